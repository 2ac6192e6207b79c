// The OpenID Provider's signing keys (`oidc_signing_key`) and remembered consent (`oidc_consent`) over Kysely.
import type { Kysely } from 'kysely';
import type {
  IdTokenAlg,
  OidcConsentRepository,
  OidcSigningKeyRecord,
  OidcSigningKeyRepository,
} from '../../oidc-provider/oidc-storage.js';
import type { Database } from '../schema.js';
import { affected, isUniqueViolation } from './errors.js';

export class SqlOidcSigningKeyRepository implements OidcSigningKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<OidcSigningKeyRecord[]> {
    const rows = await this.db.selectFrom('oidc_signing_key').selectAll().orderBy('created_ts', 'desc').orderBy('kid', 'desc').execute();
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg as IdTokenAlg,
      privateJwk: r.private_jwk,
      createdAt: new Date(Number(r.created_ts)),
      retiredAt: r.retired_ts === null ? null : new Date(Number(r.retired_ts)),
    }));
  }

  async add(key: OidcSigningKeyRecord): Promise<void> {
    await this.db
      .insertInto('oidc_signing_key')
      .values({ kid: key.kid, alg: key.alg, private_jwk: key.privateJwk, created_ts: key.createdAt.getTime(), retired_ts: key.retiredAt?.getTime() ?? null })
      .execute();
  }

  async retireOthers(alg: IdTokenAlg, exceptKid: string, at: Date): Promise<void> {
    await this.db
      .updateTable('oidc_signing_key')
      .set({ retired_ts: at.getTime() })
      .where('alg', '=', alg)
      .where('kid', '!=', exceptKid)
      .where('retired_ts', 'is', null)
      .execute();
  }

  async deleteRetiredBefore(before: Date): Promise<number> {
    const result = await this.db.deleteFrom('oidc_signing_key').where('retired_ts', '<', before.getTime()).executeTakeFirst();
    return affected(result);
  }
}

export class SqlOidcConsentRepository implements OidcConsentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(userId: number, clientId: string): Promise<string[] | null> {
    const row = await this.db.selectFrom('oidc_consent').select('scope').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
    return row ? row.scope.split(' ').filter(Boolean) : null;
  }

  async remember(userId: number, clientId: string, scopes: readonly string[], at: Date): Promise<void> {
    const scope = [...new Set(scopes)].sort().join(' ');
    const updated = await this.db.updateTable('oidc_consent').set({ scope, created_ts: at.getTime() }).where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
    if (affected(updated) > 0) return;
    try {
      await this.db.insertInto('oidc_consent').values({ user_id: userId, client_id: clientId, scope, created_ts: at.getTime() }).execute();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      await this.db.updateTable('oidc_consent').set({ scope, created_ts: at.getTime() }).where('user_id', '=', userId).where('client_id', '=', clientId).execute();
    }
  }

  async revoke(userId: number, clientId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('oidc_consent').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
    return affected(result) > 0;
  }

  async listByUser(userId: number): Promise<{ clientId: string; scopes: string[]; createdAt: Date }[]> {
    const rows = await this.db.selectFrom('oidc_consent').selectAll().where('user_id', '=', userId).orderBy('client_id').execute();
    return rows.map((r) => ({ clientId: r.client_id, scopes: r.scope.split(' ').filter(Boolean), createdAt: new Date(Number(r.created_ts)) }));
  }
}
