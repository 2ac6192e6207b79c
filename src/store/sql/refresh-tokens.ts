// RefreshTokenRepository over Kysely. Rotation is one conditional UPDATE, race-safe on both databases.
import type { Kysely, Selectable } from 'kysely';
import type { RefreshTokenRecord, RefreshTokenRepository } from '../../auth/refresh-token-record.js';
import type { Database, UserRefreshTokenTable } from '../schema.js';
import { affected } from './errors.js';

const toDate = (v: number | null) => (v === null ? null : new Date(Number(v)));

function toRecord(row: Selectable<UserRefreshTokenTable>): RefreshTokenRecord {
  return {
    tid: row.tid,
    sessionId: row.session_id,
    userId: Number(row.user_id),
    createdAt: new Date(Number(row.created_ts)),
    expiresAt: new Date(Number(row.expires_ts)),
    rotatedAt: toDate(row.rotated_ts),
    replacedBy: row.replaced_by,
    revokedAt: toDate(row.revoked_ts),
  };
}

export class SqlRefreshTokenRepository implements RefreshTokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(r: { tid: string; sessionId: string; userId: number; createdAt: Date; expiresAt: Date; accessTokenHash?: string }): Promise<void> {
    await this.db
      .insertInto('user_refresh_token')
      .values({
        tid: r.tid,
        session_id: r.sessionId,
        user_id: r.userId,
        created_ts: r.createdAt.getTime(),
        expires_ts: r.expiresAt.getTime(),
        rotated_ts: null,
        replaced_by: null,
        revoked_ts: null,
        access_token_hash: r.accessTokenHash ?? null,
      })
      .execute();
  }

  async findByTid(tid: string): Promise<RefreshTokenRecord | null> {
    const row = await this.db.selectFrom('user_refresh_token').selectAll().where('tid', '=', tid).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async markRotated(tid: string, replacedBy: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('user_refresh_token')
      .set({ rotated_ts: now.getTime(), replaced_by: replacedBy })
      .where('tid', '=', tid)
      .where('rotated_ts', 'is', null)
      .where('revoked_ts', 'is', null)
      .where('expires_ts', '>', now.getTime())
      .executeTakeFirst();
    return affected(result) === 1;
  }

  async revokeBySession(sessionId: string, at: Date): Promise<number> {
    const result = await this.db
      .updateTable('user_refresh_token')
      .set({ revoked_ts: at.getTime() })
      .where('session_id', '=', sessionId)
      .where('revoked_ts', 'is', null)
      .executeTakeFirst();
    return affected(result);
  }

  async listSessionIdsByAccessTokenHash(hash: string): Promise<string[]> {
    const rows = await this.db.selectFrom('user_refresh_token').select('session_id').distinct().where('access_token_hash', '=', hash).execute();
    return rows.map((r) => r.session_id);
  }

  async deleteAllForUser(userId: number): Promise<number> {
    return affected(await this.db.deleteFrom('user_refresh_token').where('user_id', '=', userId).executeTakeFirst());
  }
}
