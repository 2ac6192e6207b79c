// MySQL/MariaDB backups: mariadb-dump/mysqldump --single-transaction (one consistent InnoDB snapshot, no table
// locks) with the credentials in a 0600 options file of a private temp dir (never on a command line), behind a
// header line naming the migrations; restore drops the database's tables and loads the dump with the client.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DependencyDownError, invalidArgument } from '../errors.js';
import { latestMigration as latest, partialPath, type BackupInfo } from './backup-info.js';

const HEADER_PREFIX = '-- sso-gateway backup ';
const DUMP_TOOLS = ['mariadb-dump', 'mysqldump'];
const CLIENT_TOOLS = ['mariadb', 'mysql'];

interface MysqlParts {
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
}

function mysqlParts(url: string): MysqlParts {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (database === '') throw invalidArgument('GATEWAY_DATABASE_URL names no database');
  return { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), host: u.hostname, port: Number(u.port || 3306), database };
}

/** `[client]` options in a 0600 file of a private temp dir: the password never appears in a process list. */
function withOptionsFile<T>(parts: MysqlParts, work: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-backup-'));
  const file = join(dir, 'client.cnf');
  const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  writeFileSync(file, `[client]\nuser=${quote(parts.user)}\npassword=${quote(parts.password)}\nhost=${quote(parts.host)}\nport=${parts.port}\nprotocol=TCP\n`, { mode: 0o600 });
  return work(file).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** The first of the tools that runs: spawn looks it up on the PATH itself, and ENOENT moves on to the next name. */
async function findTool(names: string[]): Promise<string> {
  for (const name of names) {
    const runs = await new Promise<boolean>((resolve) => {
      const child = spawn(name, ['--version'], { stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('close', (code) => resolve(code === 0));
    });
    if (runs) return name;
  }
  throw new Error(`none of ${names.join(', ')} is installed (apt-get install mariadb-client)`);
}

const CONNECT_FAILURE = /\b(2002|2003|2005|2013|1045)\b|Can't connect|Lost connection|Access denied/i;

/** Runs a client tool; stdin from `input`, stdout to `output`; rejects with its stderr (never the options file). */
async function runTool(tool: string, args: string[], input: NodeJS.ReadableStream | null, output: NodeJS.WritableStream | null): Promise<void> {
  const child = spawn(tool, args, { stdio: [input ? 'pipe' : 'ignore', output ? 'pipe' : 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  if (input) input.pipe(child.stdin!);
  if (output) child.stdout!.pipe(output, { end: false });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code === 0) return;
  const message = `${basename(tool)} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`;
  if (CONNECT_FAILURE.test(stderr)) throw new DependencyDownError('database', new Error(message));
  throw new Error(message);
}

async function mysqlMigrations(url: string): Promise<string[]> {
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
  try {
    const [rows] = await connection.query('select name from gateway_migration order by name');
    return (rows as { name: string }[]).map((r) => r.name);
  } finally {
    await connection.end();
  }
}

function header(info: BackupInfo): string {
  return `${HEADER_PREFIX}kind=${info.kind} schema=${info.schemaVersion} migrations=${info.migrations.join(',')}\n`;
}

export function readMysqlHeader(file: string): BackupInfo | null {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const line = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8').split('\n')[0] ?? '';
    if (!line.startsWith(HEADER_PREFIX)) return null;
    const fields = Object.fromEntries(line.slice(HEADER_PREFIX.length).split(' ').map((f) => f.split('=') as [string, string]));
    if (fields.kind !== 'mysql' || !fields.migrations) return null;
    const migrations = fields.migrations.split(',').filter(Boolean);
    return { kind: 'mysql', schemaVersion: latest(migrations), migrations };
  } finally {
    closeSync(fd);
  }
}

export async function backupMysql(url: string, out: string): Promise<BackupInfo> {
  const parts = mysqlParts(url);
  const tool = await findTool(DUMP_TOOLS);
  const migrations = await mysqlMigrations(url);
  const info: BackupInfo = { kind: 'mysql', schemaVersion: latest(migrations), migrations };
  const partial = partialPath(out);
  try {
    await withOptionsFile(parts, async (options) => {
      const stream = createWriteStream(partial, { mode: 0o600 });
      stream.write(header(info));
      try {
        await runTool(
          tool,
          // --defaults-extra-file must come first. --single-transaction: one consistent snapshot (InnoDB) without
          // locking the tables the gateways write.
          [`--defaults-extra-file=${options}`, '--single-transaction', '--skip-lock-tables', '--quick', '--no-tablespaces', '--hex-blob', '--default-character-set=utf8mb4', parts.database],
          null,
          stream,
        );
      } finally {
        stream.end();
        await once(stream, 'close');
      }
    });
    // A gateway of a newer version that migrated meanwhile would make the header understate the dump.
    const after = await mysqlMigrations(url);
    if (after.join(',') !== migrations.join(',')) throw new Error('the schema changed while the backup ran (a gateway migrated); run it again');
    renameSync(partial, out);
    return info;
  } finally {
    rmSync(partial, { force: true });
  }
}

export async function restoreMysql(url: string, backup: string): Promise<void> {
  const parts = mysqlParts(url);
  const tool = await findTool(CLIENT_TOOLS);
  // Tables a newer schema added would survive the dump's DROP/CREATE of the older ones and break the next migration.
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 2000, multipleStatements: true });
  try {
    const [rows] = await connection.query('select table_name as name from information_schema.tables where table_schema = database()');
    const names = (rows as { name: string }[]).map((r) => `\`${r.name.replace(/`/g, '``')}\``);
    if (names.length > 0) await connection.query(`SET FOREIGN_KEY_CHECKS = 0; DROP TABLE ${names.join(', ')}; SET FOREIGN_KEY_CHECKS = 1`);
  } finally {
    await connection.end();
  }
  await withOptionsFile(parts, (options) =>
    runTool(tool, [`--defaults-extra-file=${options}`, '--default-character-set=utf8mb4', parts.database], createReadStream(backup), null),
  );
}
