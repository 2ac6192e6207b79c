// Identity providers (`idp`, the admin-managed OAuth2/OIDC configuration, client secret included as in Memos)
// and the links between gateway users and provider accounts (`user_identity`): one account per provider and
// identifier, one identifier per user and provider. The link, never the username, decides who signs in.
import { sql, type Kysely } from 'kysely';
import type { DatabaseKind, GatewayMigration } from './index.js';

export function identityProvidersMigration(kind: DatabaseKind): GatewayMigration {
  const tableOptions = kind === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
  return {
    name: '0003-identity-providers',
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('idp')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('uid', 'varchar(256)', (c) => c.notNull().unique())
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('type', 'varchar(32)', (c) => c.notNull())
        .addColumn('identifier_filter', 'varchar(512)', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('updated_ts', 'bigint', (c) => c.notNull())
        .modifyEnd(tableOptions)
        .execute();

      await db.schema
        .createTable('user_identity')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('provider', 'varchar(256)', (c) => c.notNull())
        .addColumn('extern_uid', 'varchar(256)', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('updated_ts', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('uq_user_identity_extern', ['provider', 'extern_uid'])
        .addUniqueConstraint('uq_user_identity_user', ['user_id', 'provider'])
        .modifyEnd(tableOptions)
        .execute();
      await db.schema.createIndex('idx_user_identity_user').on('user_identity').column('user_id').execute();
    },
  };
}
