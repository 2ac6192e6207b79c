// Second factors: one TOTP per user (sealed secret, pending until confirmed, last used step) and recovery codes
// (keyed hashes, used once).
import { sql, type Kysely } from 'kysely';
import type { DatabaseKind, GatewayMigration } from './index.js';

export function secondFactorsMigration(kind: DatabaseKind): GatewayMigration {
  const tableOptions = kind === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
  return {
    name: '0008-second-factors',
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('user_totp')
        .addColumn('user_id', 'integer', (c) => c.primaryKey())
        .addColumn('sealed_secret', 'varchar(256)', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('confirmed_ts', 'bigint')
        .addColumn('last_used_step', 'bigint')
        .modifyEnd(tableOptions)
        .execute();
      await db.schema
        .createTable('user_recovery_code')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('used_ts', 'bigint')
        .modifyEnd(tableOptions)
        .execute();
      await db.schema.createIndex('idx_recovery_code_user').on('user_recovery_code').columns(['user_id', 'code_hash']).execute();
    },
  };
}
