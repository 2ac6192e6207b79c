// UserIdentityRepository over Kysely (`user_identity`). Both unique keys surface as ALREADY_EXISTS.
import type { Kysely, Selectable } from 'kysely';
import { alreadyExists } from '../../errors.js';
import type { NewUserIdentity, UserIdentity, UserIdentityRepository } from '../../sso/user-identity.js';
import type { Database, UserIdentityTable } from '../schema.js';
import { affected, isUniqueViolation } from './errors.js';

function toIdentity(row: Selectable<UserIdentityTable>): UserIdentity {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    provider: row.provider,
    externUid: row.extern_uid,
    createdAt: new Date(Number(row.created_ts)),
  };
}

export class SqlUserIdentityRepository implements UserIdentityRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(provider: string, externUid: string): Promise<UserIdentity | null> {
    const row = await this.db
      .selectFrom('user_identity')
      .selectAll()
      .where('provider', '=', provider)
      .where('extern_uid', '=', externUid)
      .executeTakeFirst();
    // MySQL's PAD SPACE collations match "x " to "x": only the exact identifier is this account's link.
    return row && row.extern_uid === externUid ? toIdentity(row) : null;
  }

  async listForUser(userId: number): Promise<UserIdentity[]> {
    const rows = await this.db.selectFrom('user_identity').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    return rows.map(toIdentity);
  }

  async create(identity: NewUserIdentity): Promise<UserIdentity> {
    const ts = identity.createdAt.getTime();
    try {
      const result = await this.db
        .insertInto('user_identity')
        .values({ user_id: identity.userId, provider: identity.provider, extern_uid: identity.externUid, created_ts: ts, updated_ts: ts })
        .executeTakeFirstOrThrow();
      return { ...identity, id: Number(result.insertId) };
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists('identity provider account is already linked');
      throw err;
    }
  }

  async deleteIfUser(provider: string, externUid: string, userId: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom('user_identity')
      .where('provider', '=', provider)
      .where('extern_uid', '=', externUid)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return affected(result) > 0;
  }

  async deleteForUser(userId: number): Promise<number> {
    const result = await this.db.deleteFrom('user_identity').where('user_id', '=', userId).executeTakeFirst();
    return affected(result);
  }

  async deleteForProvider(provider: string): Promise<number> {
    const result = await this.db.deleteFrom('user_identity').where('provider', '=', provider).executeTakeFirst();
    return affected(result);
  }
}
