// The first schema: users, sessions (devices), refresh tokens, system settings.
import { sql, type Kysely } from 'kysely';
import type { DatabaseKind, GatewayMigration } from './index.js';

export function initialMigration(kind: DatabaseKind): GatewayMigration {
  const tableOptions = kind === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
  return {
    name: '0001-initial',
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('user')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('username', 'varchar(36)', (c) => c.notNull().unique())
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('row_status', 'varchar(16)', (c) => c.notNull())
        .addColumn('email', 'varchar(256)', (c) => c.notNull())
        .addColumn('nickname', 'varchar(256)', (c) => c.notNull())
        .addColumn('password_hash', 'varchar(256)', (c) => c.notNull())
        .addColumn('avatar_url', 'text', (c) => c.notNull())
        .addColumn('description', 'varchar(256)', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('updated_ts', 'bigint', (c) => c.notNull())
        .modifyEnd(tableOptions)
        .execute();

      await db.schema
        .createTable('user_session')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('sso_token_hash', 'varchar(64)', (c) => c.unique())
        .addColumn('user_agent', 'varchar(512)', (c) => c.notNull())
        .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
        .addColumn('device_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('os', 'varchar(64)', (c) => c.notNull())
        .addColumn('browser', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('last_active_ts', 'bigint', (c) => c.notNull())
        .addColumn('expires_ts', 'bigint', (c) => c.notNull())
        .addColumn('revoked_ts', 'bigint')
        .modifyEnd(tableOptions)
        .execute();
      await db.schema.createIndex('idx_user_session_user').on('user_session').column('user_id').execute();

      await db.schema
        .createTable('user_refresh_token')
        .addColumn('tid', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('session_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('expires_ts', 'bigint', (c) => c.notNull())
        .addColumn('rotated_ts', 'bigint')
        .addColumn('replaced_by', 'varchar(36)')
        .addColumn('revoked_ts', 'bigint')
        .modifyEnd(tableOptions)
        .execute();
      await db.schema.createIndex('idx_refresh_session').on('user_refresh_token').column('session_id').execute();
      await db.schema.createIndex('idx_refresh_user').on('user_refresh_token').column('user_id').execute();

      await db.schema
        .createTable('system_setting')
        .addColumn('name', 'varchar(191)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .modifyEnd(tableOptions)
        .execute();
    },
  };
}
