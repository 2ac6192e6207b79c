// Backup and restore of the durable store, with the schema version (the migrations applied) recorded in the backup
// and checked on restore: a backup from a newer schema is refused, an older one is migrated forward at the next
// start. SQLite: sqlite-backup.ts (online backup API, while gateways serve); MySQL: mysql-backup.ts (mysqldump
// --single-transaction). Stop the gateways before a restore.
import { existsSync, statSync } from 'node:fs';
import { failedPrecondition, invalidArgument, notFound } from '../errors.js';
import { latestMigration, type BackupInfo } from './backup-info.js';
import { listMigrations, type DatabaseKind } from './migrations/index.js';
import { backupMysql, readMysqlHeader, restoreMysql } from './mysql-backup.js';
import { backupSqlite, isSqliteFile, readSqliteInfo, restoreSqlite } from './sqlite-backup.js';

export type { BackupInfo } from './backup-info.js';
export type BackupTarget = { kind: 'sqlite'; file: string } | { kind: 'mysql'; url: string };

/** Refuses migrations this build does not know: they come from a newer gateway (or another line of development). */
export function assertRestorable(info: BackupInfo, kind: DatabaseKind): void {
  if (info.kind !== kind) throw failedPrecondition(`the backup is of a ${info.kind} database; this gateway uses ${kind}`);
  const known = new Set(listMigrations(kind).map((m) => m.name));
  const unknown = info.migrations.filter((m) => !known.has(m));
  if (unknown.length > 0) {
    throw failedPrecondition(
      `the backup is from a newer schema (${unknown.join(', ')}); this gateway knows up to ${latestMigration([...known])}: restore it with the gateway version that wrote it`,
    );
  }
}

export async function backupDatabase(target: BackupTarget, out: string): Promise<BackupInfo & { bytes: number }> {
  const info = target.kind === 'sqlite' ? await backupSqlite(target.file, out) : await backupMysql(target.url, out);
  return { ...info, bytes: statSync(out).size };
}

/** What a backup file holds (its kind and migrations), or an INVALID_ARGUMENT error when it is not a gateway backup. */
export async function inspectBackup(file: string): Promise<BackupInfo> {
  if (!existsSync(file)) throw notFound(`backup file ${file} not found`);
  if (isSqliteFile(file)) return readSqliteInfo(file);
  const info = readMysqlHeader(file);
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
