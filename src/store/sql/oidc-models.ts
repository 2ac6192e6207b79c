// OidcModelRepository over Kysely (`oidc_model`): oidc-provider's durable models as JSON payloads, consumed by a
// conditional update, revoked per grant, and the gateway session each grant came from.
import type { Kysely } from 'kysely';
import type { OidcModelRecord, OidcModelRepository } from '../../oidc-provider/oidc-storage.js';
import type { Database } from '../schema.js';
import { affected, isUniqueViolation } from './errors.js';

const GRANT = 'Grant';

export class SqlOidcModelRepository implements OidcModelRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(model: string, id: string, record: { payload: string; grantId: string | null; expiresAt: Date | null }): Promise<void> {
    const values = { payload: record.payload, grant_id: record.grantId, expires_ts: record.expiresAt?.getTime() ?? null };
    const updated = await this.db.updateTable('oidc_model').set(values).where('model', '=', model).where('id', '=', id).executeTakeFirst();
    if (affected(updated) > 0) return;
    try {
      await this.db.insertInto('oidc_model').values({ model, id, ...values, gateway_session_id: null, consumed_ts: null }).execute();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Lost an insert race with the same id: the other write is the same model; take ours as the newer.
      await this.db.updateTable('oidc_model').set(values).where('model', '=', model).where('id', '=', id).execute();
    }
  }

  async find(model: string, id: string, now: Date): Promise<OidcModelRecord | null> {
    const row = await this.db.selectFrom('oidc_model').selectAll().where('model', '=', model).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    if (row.expires_ts !== null && Number(row.expires_ts) <= now.getTime()) return null;
    return {
      payload: row.payload,
      grantId: row.grant_id,
      expiresAt: row.expires_ts === null ? null : new Date(Number(row.expires_ts)),
      consumedAt: row.consumed_ts === null ? null : new Date(Number(row.consumed_ts)),
    };
  }

  async consume(model: string, id: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('oidc_model')
      .set({ consumed_ts: at.getTime() })
      .where('model', '=', model)
      .where('id', '=', id)
      .where('consumed_ts', 'is', null)
      .executeTakeFirst();
    return affected(result) === 1;
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.db.deleteFrom('oidc_model').where('model', '=', model).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.deleteFrom('oidc_model').where('grant_id', '=', grantId).execute();
    await this.db.deleteFrom('oidc_model').where('model', '=', GRANT).where('id', '=', grantId).execute();
  }

  async bindGrantToSession(grantId: string, gatewaySessionId: string): Promise<void> {
    await this.db.updateTable('oidc_model').set({ gateway_session_id: gatewaySessionId }).where('model', '=', GRANT).where('id', '=', grantId).execute();
  }

  async findSessionOfGrant(grantId: string): Promise<string | null> {
    const row = await this.db.selectFrom('oidc_model').select('gateway_session_id').where('model', '=', GRANT).where('id', '=', grantId).executeTakeFirst();
    return row?.gateway_session_id ?? null;
  }

  async listGrantIdsOfSessions(gatewaySessionIds: readonly string[]): Promise<string[]> {
    if (gatewaySessionIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('oidc_model')
      .select('id')
      .where('model', '=', GRANT)
      .where('gateway_session_id', 'in', [...gatewaySessionIds])
      .execute();
    return rows.map((r) => r.id);
  }
}
