// PersonalAccessTokenRepository over Kysely (`personal_access_token`). Revocation deletes the row.
import type { Kysely, Selectable } from 'kysely';
import type {
  NewPersonalAccessToken,
  PersonalAccessToken,
  PersonalAccessTokenRepository,
} from '../../auth/personal-access-token.js';
import type { Database, PersonalAccessTokenTable } from '../schema.js';
import { affected } from './errors.js';

const toDate = (v: number | null) => (v === null ? null : new Date(Number(v)));

function toToken(row: Omit<Selectable<PersonalAccessTokenTable>, 'token_hash'>): PersonalAccessToken {
  return {
    id: row.id,
    userId: Number(row.user_id),
    description: row.description,
    createdAt: new Date(Number(row.created_ts)),
    expiresAt: toDate(row.expires_ts),
    lastUsedAt: toDate(row.last_used_ts),
  };
}

const PUBLIC_COLUMNS = ['id', 'user_id', 'description', 'created_ts', 'expires_ts', 'last_used_ts'] as const;

export class SqlPersonalAccessTokenRepository implements PersonalAccessTokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(t: NewPersonalAccessToken): Promise<void> {
    await this.db
      .insertInto('personal_access_token')
      .values({
        id: t.id,
        user_id: t.userId,
        token_hash: t.tokenHash,
        description: t.description,
        created_ts: t.createdAt.getTime(),
        expires_ts: t.expiresAt?.getTime() ?? null,
        last_used_ts: null,
      })
      .execute();
  }

  async findByHash(tokenHash: string): Promise<(PersonalAccessToken & { tokenHash: string }) | null> {
    const row = await this.db.selectFrom('personal_access_token').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? { ...toToken(row), tokenHash: row.token_hash } : null;
  }

  async listByUser(userId: number): Promise<PersonalAccessToken[]> {
    const rows = await this.db
      .selectFrom('personal_access_token')
      .select(PUBLIC_COLUMNS)
      .where('user_id', '=', userId)
      .orderBy('created_ts')
      .orderBy('id')
      .execute();
    return rows.map(toToken);
  }

  async countByUser(userId: number): Promise<number> {
    const row = await this.db
      .selectFrom('personal_access_token')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async delete(userId: number, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('personal_access_token').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return affected(result) > 0;
  }

  async deleteAllForUser(userId: number): Promise<string[]> {
    const ids = (await this.db.selectFrom('personal_access_token').select('id').where('user_id', '=', userId).execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    await this.db.deleteFrom('personal_access_token').where('user_id', '=', userId).execute();
    return ids;
  }

  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.db
      .updateTable('personal_access_token')
      .set({ last_used_ts: at.getTime() })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_ts', 'is', null), eb('last_used_ts', '<', at.getTime())]))
      .execute();
  }
}
