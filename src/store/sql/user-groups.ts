// GroupRepository over Kysely (`user_group`). A replace reads the source's names and, when they differ, deletes
// and inserts them in one transaction (its caller's, if it runs in one); a concurrent replace of the same source
// that inserted a name first is not an error (the insert skips existing keys), so racing sign-ins both succeed.
import type { Kysely, Transaction } from 'kysely';
import { sortedGroups } from '../../groups/group-name.js';
import { LOCAL_SOURCE, type GroupRepository, type UserGroups } from '../../groups/group-repository.js';
import type { DatabaseKind } from '../migrations/index.js';
import type { Database } from '../schema.js';
import { affected } from './errors.js';

export class SqlGroupRepository implements GroupRepository {
  constructor(
    private readonly db: Kysely<Database> | Transaction<Database>,
    private readonly kind: DatabaseKind,
  ) {}

  async listForUser(userId: number): Promise<UserGroups> {
    const rows = await this.db.selectFrom('user_group').select(['provider', 'name']).where('user_id', '=', userId).orderBy('provider').orderBy('name').execute();
    const local: string[] = [];
    const upstream = new Map<string, string[]>();
    for (const row of rows) {
      if (row.provider === LOCAL_SOURCE) local.push(row.name);
      else upstream.set(row.provider, [...(upstream.get(row.provider) ?? []), row.name]);
    }
    return { local: sortedGroups(local), upstream: [...upstream].map(([provider, groups]) => ({ provider, groups: sortedGroups(groups) })) };
  }

  async listEffective(userId: number): Promise<string[]> {
    const rows = await this.db.selectFrom('user_group').select('name').where('user_id', '=', userId).execute();
    return sortedGroups(rows.map((r) => r.name));
  }

  async replace(userId: number, provider: string, names: readonly string[], at: Date): Promise<boolean> {
    const wanted = sortedGroups(names);
    const run = async (db: Kysely<Database> | Transaction<Database>): Promise<boolean> => {
      // InnoDB: two replaces of one user would each hold a gap lock from the delete and wait on the other's
      // insert (a deadlock); locking the user's row first makes them take turns.
      if (this.kind === 'mysql') await db.selectFrom('user').select('id').where('id', '=', userId).forUpdate().execute();
      const rows = await db.selectFrom('user_group').select('name').where('user_id', '=', userId).where('provider', '=', provider).execute();
      const current = sortedGroups(rows.map((r) => r.name));
      if (current.length === wanted.length && current.every((name, i) => name === wanted[i])) return false;
      await db.deleteFrom('user_group').where('user_id', '=', userId).where('provider', '=', provider).execute();
      if (wanted.length > 0) {
        const values = wanted.map((name) => ({ user_id: userId, provider, name, created_ts: at.getTime() }));
        const insert = db.insertInto('user_group').values(values);
        await (this.kind === 'mysql' ? insert.ignore() : insert.onConflict((oc) => oc.doNothing())).execute();
      }
      return true;
    };
    return this.db.isTransaction ? run(this.db) : this.db.transaction().execute(run);
  }

  async deleteForUser(userId: number): Promise<number> {
    return affected(await this.db.deleteFrom('user_group').where('user_id', '=', userId).executeTakeFirst());
  }

  async deleteForProvider(provider: string): Promise<number> {
    return affected(await this.db.deleteFrom('user_group').where('provider', '=', provider).executeTakeFirst());
  }
}
