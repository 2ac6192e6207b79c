// Groups (issue 15): `user_group` holds a user's group names, each with its source: '' for a local group an admin
// gave, else the uid of the identity provider that sent it (replaced at each sign-in through that provider).
// `idp.group_filter` is identifierFilter's sibling (RE2 over the provider's groups). Numbered 0011, not 0006:
// Kysely's migrator refuses a migration that sorts before one already applied (0007, 0008 on existing databases).
import { sql, type Kysely } from 'kysely';
import type { DatabaseKind, GatewayMigration } from './index.js';

export function groupsMigration(kind: DatabaseKind): GatewayMigration {
  const tableOptions = kind === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
  return {
    name: '0011-groups',
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('user_group')
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('provider', 'varchar(256)', (c) => c.notNull())
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pk_user_group', ['user_id', 'provider', 'name'])
        .modifyEnd(tableOptions)
        .execute();
      await db.schema.alterTable('idp').addColumn('group_filter', 'varchar(512)', (c) => c.notNull().defaultTo('')).execute();
    },
  };
}
