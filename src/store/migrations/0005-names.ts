// Names that rules and apps can trust (issue 9): usernames unique regardless of letter case (`username_key`,
// generated lower-case, unique), whether a username was assigned or locked by an admin (`username_locked`, the
// only names a rule's userPattern matches), and whether the email was verified (`email_verified`; a verified
// address belongs to one account: `verified_email_key`, generated, unique, NULL while unverified). Existing
// users start unlocked and unverified (fail closed). Usernames that already differ only in case stop the
// migration with a message naming them, before anything changes.
import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import type { DatabaseKind, GatewayMigration } from './index.js';

interface CollisionRow {
  id: number | string;
  username: string;
}

/** "Admin (id 1) / admin (id 7); …" for every group of usernames that are equal ignoring case. */
export function describeCaseCollisions(rows: readonly CollisionRow[]): string | null {
  const groups = new Map<string, CollisionRow[]>();
  for (const row of rows) {
    const key = row.username.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const clashes = [...groups.values()].filter((g) => g.length > 1);
  if (clashes.length === 0) return null;
  return clashes.map((g) => g.map((r) => `${r.username} (id ${Number(r.id)})`).join(' / ')).join('; ');
}

export function namesMigration(kind: DatabaseKind): GatewayMigration {
  return {
    name: '0005-names',
    async up(db: Kysely<any>) {
      const rows = await db.selectFrom('user').select(['id', 'username']).orderBy('id').execute();
      const clashes = describeCaseCollisions(rows as CollisionRow[]);
      if (clashes !== null) {
        throw new Error(
          `usernames must be unique regardless of letter case, and these differ only in case: ${clashes}. ` +
            'Rename all but one of each group (PATCH /api/v1/users/{id} with a new username, as an admin, on the previous version), then start again.',
        );
      }
      await db.schema.alterTable('user').addColumn('username_locked', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('user').addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      // SQLite can add only VIRTUAL generated columns (and index them); MySQL/MariaDB store them.
      const generated = (expression: ReturnType<typeof sql>) => (c: ColumnDefinitionBuilder) =>
        kind === 'mysql' ? c.generatedAlwaysAs(expression).stored() : c.generatedAlwaysAs(expression);
      await db.schema.alterTable('user').addColumn('username_key', 'varchar(36)', generated(sql`lower(username)`)).execute();
      await db.schema
        .alterTable('user')
        .addColumn('verified_email_key', 'varchar(256)', generated(sql`case when email_verified = 1 and email <> '' then lower(email) else null end`))
        .execute();
      await db.schema.createIndex('uq_user_username_key').on('user').column('username_key').unique().execute();
      await db.schema.createIndex('uq_user_verified_email').on('user').column('verified_email_key').unique().execute();
    },
  };
}
