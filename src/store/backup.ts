// Backup and restore of the durable store, with the schema version (the migrations applied) recorded in the backup
// and checked on restore: a backup from a newer schema is refused, an older one is migrated forward at the next start.
//   SQLite: SQLite's online backup API (better-sqlite3 `backup()`), a consistent copy while gateways keep serving;
//           the copy carries its own gateway_migration table.
//   MySQL:  mariadb-dump/mysqldump --single-transaction (a consistent snapshot, no locks), credentials in a 0600
//           options file (never on a command line), a header line naming the migrations; restore drops the
//           database's tables and loads the dump with the mariadb/mysql client. Stop the gateways before a restore.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, closeSync, copyFileSync, mkdirSync, createReadStream, createWriteStream, existsSync, mkdtempSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { DependencyDownError, failedPrecondition, invalidArgument, notFound } from '../errors.js';
import { listMigrations, type DatabaseKind } from './migrations/index.js';

export type BackupTarget = { kind: 'sqlite'; file: string } | { kind: 'mysql'; url: string };

export interface BackupInfo {
  kind: DatabaseKind;
  /** The newest migration applied in the backed-up database, e.g. `0004-audit-log`. */
  schemaVersion: string;
  migrations: string[];
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const HEADER_PREFIX = '-- sso-gateway backup ';
const DUMP_TOOLS = ['mariadb-dump', 'mysqldump'];
const CLIENT_TOOLS = ['mariadb', 'mysql'];

function latest(migrations: string[]): string {
  return [...migrations].sort().at(-1) ?? '(empty)';
}

/** Refuses migrations this build does not know: they come from a newer gateway (or another line of development). */
export function assertRestorable(info: BackupInfo, kind: DatabaseKind): void {
  if (info.kind !== kind) throw failedPrecondition(`the backup is of a ${info.kind} database; this gateway uses ${kind}`);
  const known = new Set(listMigrations(kind).map((m) => m.name));
  const unknown = info.migrations.filter((m) => !known.has(m));
  if (unknown.length > 0) {
    throw failedPrecondition(
      `the backup is from a newer schema (${unknown.join(', ')}); this gateway knows up to ${latest([...known])}: restore it with the gateway version that wrote it`,
    );
  }
}

/** Written next to the destination, renamed into place when complete: never a half-written backup under its name. */
function partialPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.partial-${process.pid}`);
}

// --- SQLite -----------------------------------------------------------------------------------------------------

async function openSqlite(file: string, readonly: boolean) {
  const { default: SQLite } = await import('better-sqlite3');
  return new SQLite(file, { readonly, fileMustExist: true });
}

function sqliteMigrations(db: { prepare(sql: string): { all(): unknown[] } }): string[] {
  try {
    return (db.prepare('select name from gateway_migration order by name').all() as { name: string }[]).map((r) => r.name);
  } catch {
    throw invalidArgument('not a gateway backup: the file has no gateway_migration table');
  }
}

async function backupSqlite(file: string, out: string): Promise<BackupInfo> {
  if (!existsSync(file)) throw notFound(`database file ${file} not found`);
  const source = await openSqlite(file, false);
  const partial = partialPath(out);
  try {
    source.pragma('busy_timeout = 5000');
    // The online backup API: copies page by page and restarts when a writer changes a copied page, so the copy is
    // one consistent state while the gateway keeps writing.
    await source.backup(partial);
    chmodSync(partial, 0o600);
    const copy = await openSqlite(partial, false);
    let info: BackupInfo;
    try {
      // One self-contained file: the copy inherits WAL mode, which would leave -wal/-shm files beside it.
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
      const migrations = sqliteMigrations(copy);
      info = { kind: 'sqlite', schemaVersion: latest(migrations), migrations };
    } finally {
      copy.close();
    }
    renameSync(partial, out);
    return info;
  } finally {
    source.close();
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${partial}${suffix}`, { force: true });
  }
}

function isSqliteFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.toString('latin1') === SQLITE_MAGIC;
  } finally {
    closeSync(fd);
  }
}

async function readSqliteInfo(file: string): Promise<BackupInfo> {
  const db = await openSqlite(file, true);
  try {
    const migrations = sqliteMigrations(db);
    return { kind: 'sqlite', schemaVersion: latest(migrations), migrations };
  } finally {
    db.close();
  }
}

async function restoreSqlite(file: string, backup: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const partial = partialPath(file);
  try {
    // Through the backup API again (not a byte copy): the result is a clean database file with no WAL to replay.
    const source = await openSqlite(backup, true);
    try {
      await source.backup(partial);
    } finally {
      source.close();
    }
    const copy = await openSqlite(partial, false);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    chmodSync(partial, 0o600);
    // The old WAL and shared-memory files belong to the old database; left beside the new one they would be replayed.
    for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
}

// --- MySQL ------------------------------------------------------------------------------------------------------

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

function findTool(names: string[]): string {
  for (const name of names) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      const path = join(dir, name);
      if (dir !== '' && existsSync(path)) return path;
    }
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

function readHeader(file: string): BackupInfo | null {
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

async function backupMysql(url: string, out: string): Promise<BackupInfo> {
  const parts = mysqlParts(url);
  const tool = findTool(DUMP_TOOLS);
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

async function restoreMysql(url: string, backup: string): Promise<void> {
  const parts = mysqlParts(url);
  const tool = findTool(CLIENT_TOOLS);
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

// --- The two operations -----------------------------------------------------------------------------------------

export async function backupDatabase(target: BackupTarget, out: string): Promise<BackupInfo & { bytes: number }> {
  const info = target.kind === 'sqlite' ? await backupSqlite(target.file, out) : await backupMysql(target.url, out);
  return { ...info, bytes: statSync(out).size };
}

/** What a backup file holds (its kind and migrations), or an INVALID_ARGUMENT error when it is not a gateway backup. */
export async function inspectBackup(file: string): Promise<BackupInfo> {
  if (!existsSync(file)) throw notFound(`backup file ${file} not found`);
  if (isSqliteFile(file)) return readSqliteInfo(file);
  const info = readHeader(file);
  if (!info) throw invalidArgument('not a gateway backup (neither an SQLite copy nor a dump with the sso-gateway header)');
  return info;
}

/** Replaces the database with the backup's state; refuses a backup of another kind or a newer schema first. */
export async function restoreDatabase(target: BackupTarget, backup: string): Promise<BackupInfo> {
  const info = await inspectBackup(backup);
  assertRestorable(info, target.kind);
  if (target.kind === 'sqlite') await restoreSqlite(target.file, backup);
  else await restoreMysql(target.url, backup);
  return info;
}
