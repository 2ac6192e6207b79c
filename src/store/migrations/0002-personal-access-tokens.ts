// Personal access tokens (one row per token, only the SHA-256 of the token stored, unique), and the hash of the
// access token issued with each refresh token, so a bearer-only call can be traced to its session.
// Revoking a PAT deletes its row: nothing about a revoked token is worth keeping, and a lookup by hash then
// simply finds nothing (Memos also removes revoked tokens).
import { sql, type Kysely } from 'kysely';
import type { DatabaseKind, GatewayMigration } from './index.js';

export function personalAccessTokensMigration(kind: DatabaseKind): GatewayMigration {
  const tableOptions = kind === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
  return {
    name: '0002-personal-access-tokens',
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('personal_access_token')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('token_hash', 'char(64)', (c) => c.notNull().unique())
        .addColumn('description', 'varchar(256)', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('expires_ts', 'bigint')
        .addColumn('last_used_ts', 'bigint')
        .modifyEnd(tableOptions)
        .execute();
      await db.schema.createIndex('idx_pat_user').on('personal_access_token').columns(['user_id', 'created_ts']).execute();

      await db.schema.alterTable('user_refresh_token').addColumn('access_token_hash', 'char(64)').execute();
      await db.schema.createIndex('idx_refresh_access_hash').on('user_refresh_token').column('access_token_hash').execute();
    },
  };
}
