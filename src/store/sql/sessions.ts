// SessionRepository over Kysely: one row per signed-in device.
import type { Kysely, Selectable } from 'kysely';
import type { NewSession, Session, SessionRepository } from '../../sessions/session.js';
import type { User } from '../../users/user.js';
import type { Database, UserSessionTable } from '../schema.js';
import { affected } from './errors.js';
import { toUser } from './users.js';
import { sortedGroups } from '../../groups/group-name.js';

const COLUMNS = [
  'id', 'user_id', 'user_agent', 'ip_address', 'device_type', 'os', 'browser',
  'created_ts', 'last_active_ts', 'expires_ts', 'revoked_ts',
] as const;

function toSession(row: Pick<Selectable<UserSessionTable>, (typeof COLUMNS)[number]>): Session {
  return {
    id: row.id,
    userId: Number(row.user_id),
    clientInfo: {
      userAgent: row.user_agent,
      ipAddress: row.ip_address,
      deviceType: row.device_type,
      os: row.os,
      browser: row.browser,
    },
    createdAt: new Date(Number(row.created_ts)),
    lastActiveAt: new Date(Number(row.last_active_ts)),
    expiresAt: new Date(Number(row.expires_ts)),
    revokedAt: row.revoked_ts === null ? null : new Date(Number(row.revoked_ts)),
  };
}

function groupNames(rows: readonly { group_name: string | null }[]): string[] {
  return sortedGroups(rows.flatMap((r) => (r.group_name === null ? [] : [r.group_name])));
}

export class SqlSessionRepository implements SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(s: NewSession): Promise<void> {
    const c = s.clientInfo;
    await this.db
      .insertInto('user_session')
      .values({
        id: s.id,
        user_id: s.userId,
        sso_token_hash: s.ssoTokenHash,
        user_agent: c.userAgent.slice(0, 512),
        ip_address: c.ipAddress.slice(0, 64),
        device_type: c.deviceType.slice(0, 32),
        os: c.os.slice(0, 64),
        browser: c.browser.slice(0, 64),
        created_ts: s.createdAt.getTime(),
        last_active_ts: s.createdAt.getTime(),
        expires_ts: s.expiresAt.getTime(),
        revoked_ts: null,
      })
      .execute();
  }

  async findById(id: string): Promise<Session | null> {
    const row = await this.db.selectFrom('user_session').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toSession(row) : null;
  }

  async findActiveBySsoTokenHash(hash: string, now: Date): Promise<Session | null> {
    const row = await this.db
      .selectFrom('user_session')
      .select(COLUMNS)
      .where('sso_token_hash', '=', hash)
      .where('revoked_ts', 'is', null)
      .where('expires_ts', '>', now.getTime())
      .executeTakeFirst();
    return row ? toSession(row) : null;
  }

  async findActiveWithUserBySsoTokenHash(hash: string, now: Date): Promise<{ session: Session; user: User; groups: string[] } | null> {
    // One row per group (or one with a null name): the groups ride along in the same round trip.
    const rows = await this.db
      .selectFrom('user_session')
      .innerJoin('user', 'user.id', 'user_session.user_id')
      .leftJoin('user_group', 'user_group.user_id', 'user_session.user_id')
      .select([
        'user_session.id', 'user_session.user_id', 'user_session.user_agent', 'user_session.ip_address',
        'user_session.device_type', 'user_session.os', 'user_session.browser', 'user_session.created_ts',
        'user_session.last_active_ts', 'user_session.expires_ts', 'user_session.revoked_ts',
        'user.username', 'user.role', 'user.row_status', 'user.email', 'user.nickname', 'user.password_hash',
        'user.avatar_url', 'user.description', 'user.username_locked', 'user.email_verified', 'user.username_key',
        'user.verified_email_key', 'user.created_ts as user_created_ts', 'user.updated_ts as user_updated_ts',
        'user_group.name as group_name',
      ])
      .where('user_session.sso_token_hash', '=', hash)
      .where('user_session.revoked_ts', 'is', null)
      .where('user_session.expires_ts', '>', now.getTime())
      .execute();
    const row = rows[0];
    if (!row) return null;
    const user = toUser({ ...row, id: row.user_id, created_ts: row.user_created_ts, updated_ts: row.user_updated_ts });
    return { session: toSession(row), user, groups: groupNames(rows) };
  }

  async findByIdWithGroups(id: string): Promise<{ session: Session; groups: string[] } | null> {
    const rows = await this.db
      .selectFrom('user_session')
      .leftJoin('user_group', 'user_group.user_id', 'user_session.user_id')
      .select([...COLUMNS.map((c) => `user_session.${c}` as const), 'user_group.name as group_name'])
      .where('user_session.id', '=', id)
      .execute();
    const row = rows[0];
    return row ? { session: toSession(row), groups: groupNames(rows) } : null;
  }

  async listActiveByUser(userId: number, now: Date): Promise<Session[]> {
    const rows = await this.db
      .selectFrom('user_session')
      .select(COLUMNS)
      .where('user_id', '=', userId)
      .where('revoked_ts', 'is', null)
      .where('expires_ts', '>', now.getTime())
      .orderBy('created_ts')
      .orderBy('id')
      .execute();
    return rows.map(toSession);
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.updateTable('user_session').set({ last_active_ts: at.getTime() }).where('id', '=', id).execute();
  }

  async revoke(id: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('user_session')
      .set({ revoked_ts: at.getTime() })
      .where('id', '=', id)
      .where('revoked_ts', 'is', null)
      .executeTakeFirst();
    return affected(result) === 1;
  }

  async revokeAllForUser(userId: number, at: Date, exceptId?: string): Promise<string[]> {
    let select = this.db.selectFrom('user_session').select('id').where('user_id', '=', userId).where('revoked_ts', 'is', null);
    if (exceptId !== undefined) select = select.where('id', '!=', exceptId);
    const ids = (await select.execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    await this.db
      .updateTable('user_session')
      .set({ revoked_ts: at.getTime() })
      .where('id', 'in', ids)
      .where('revoked_ts', 'is', null)
      .execute();
    return ids;
  }

  async deleteAllForUser(userId: number): Promise<string[]> {
    const ids = (await this.db.selectFrom('user_session').select('id').where('user_id', '=', userId).execute()).map((r) => r.id);
    if (ids.length > 0) await this.db.deleteFrom('user_session').where('user_id', '=', userId).execute();
    return ids;
  }
}
