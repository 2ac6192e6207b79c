// Passkeys (WebAuthn credentials): several per user. The credential id can be long (up to 1023 bytes), so the
// unique index is on its SHA-256, which fits every database's index limit.
import { sql, type Kysely } from 'kysely';
import type { DatabaseKind, GatewayMigration } from './index.js';

export function passkeysMigration(kind: DatabaseKind): GatewayMigration {
  const tableOptions = kind === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
  return {
    name: '0009-passkeys',
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('user_passkey')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('credential_id', 'varchar(1400)', (c) => c.notNull())
        .addColumn('credential_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('public_key', 'varchar(2048)', (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'varchar(256)', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('last_used_ts', 'bigint')
        .modifyEnd(tableOptions)
        .execute();
      await db.schema.createIndex('idx_passkey_credential').on('user_passkey').column('credential_hash').unique().execute();
      await db.schema.createIndex('idx_passkey_user').on('user_passkey').column('user_id').execute();
    },
  };
}
