// SQLite backups through SQLite's online backup API (better-sqlite3 `backup()`): a consistent copy while gateways
// keep writing, a self-contained database file that carries its own gateway_migration table.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { invalidArgument, notFound } from '../errors.js';
import { latestMigration as latest, partialPath, type BackupInfo } from './backup-info.js';

const SQLITE_MAGIC = 'SQLite format 3\u0000';

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

export async function backupSqlite(file: string, out: string): Promise<BackupInfo> {
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

export function isSqliteFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.toString('latin1') === SQLITE_MAGIC;
  } finally {
    closeSync(fd);
  }
}

export async function readSqliteInfo(file: string): Promise<BackupInfo> {
  const db = await openSqlite(file, true);
  try {
    const migrations = sqliteMigrations(db);
    return { kind: 'sqlite', schemaVersion: latest(migrations), migrations };
  } finally {
    db.close();
  }
}

export async function restoreSqlite(file: string, backup: string): Promise<void> {
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
