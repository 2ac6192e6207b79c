// A test database left at an older migration, with rows written straight into it, for tests of what a later
// migration does to existing data (e.g. 0005 refusing usernames that differ only in case).
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, MysqlDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { openStore, type Store } from '../../src/store/store.js';
import type { Storage } from './gateway.js';

function kyselyFor(storage: Storage): { db: Kysely<any>; kind: 'sqlite' | 'mysql' } {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  if (url.startsWith('sqlite:')) return { db: new Kysely<any>({ dialect: new SqliteDialect({ database: new Sqlite(url.slice('sqlite:'.length)) }) }), kind: 'sqlite' };
  return { db: new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 2 }) }) }), kind: 'mysql' };
}

/** Migrates `storage` up to and including `migrationName` (as the gateway would), then inserts `users` rows. */
export async function seedAtMigration(storage: Storage, migrationName: string, users: Array<{ username: string; role?: string; email?: string }>): Promise<void> {
  const { db, kind } = kyselyFor(storage);
  try {
    const migrator = new Migrator({ db, provider: migrationProvider(kind), migrationTableName: 'gateway_migration', migrationLockTableName: 'gateway_migration_lock' });
    const { error } = await migrator.migrateTo(migrationName);
    if (error) throw error;
    for (const u of users) {
      await db
        .insertInto('user')
        .values({
          username: u.username, role: u.role ?? 'USER', row_status: 'NORMAL', email: u.email ?? '', nickname: u.username,
          password_hash: '$2b$10$abcdefghijklmnopqrstuv', avatar_url: '', description: '', created_ts: 0, updated_ts: 0,
        })
        .execute();
    }
  } finally {
    await db.destroy();
  }
}

/** Opens the durable store on `storage` (running every pending migration), as the gateway does at start. */
export function openStorageStore(storage: Storage): Promise<Store> {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  return url.startsWith('sqlite:') ? openStore({ kind: 'sqlite', file: url.slice(7) }) : openStore({ kind: 'mysql', url, poolSize: 2 });
}
