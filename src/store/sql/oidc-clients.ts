// OidcClientRepository over Kysely (`oidc_client`): the relying party's settings as one JSON column, the
// secret only as its SHA-256.
import type { Kysely, Selectable } from 'kysely';
import { alreadyExists } from '../../errors.js';
import { DEFAULT_GRANT_TYPES, DEFAULT_TOKEN_LIFETIMES, type OidcClient, type OidcClientPatch, type OidcClientRepository } from '../../oidc-provider/oidc-storage.js';
import type { Database, OidcClientTable } from '../schema.js';
import { affected, isUniqueViolation } from './errors.js';

type Settings = Omit<OidcClient, 'clientId' | 'secretHash' | 'createdAt' | 'updatedAt'>;

function settingsOf(client: Omit<OidcClient, 'clientId' | 'secretHash' | 'createdAt' | 'updatedAt'>): Settings {
  const { displayName, redirectUris, postLogoutRedirectUris, public: isPublic, requirePkce, consent, allowedRoles, allowedUsers, allowedGroups,
    backchannelLogoutUri, refreshTokens, idTokenSignedResponseAlg, subjectType, grantTypes, tokenLifetimes } = client;
  // Rows written before grant types, lifetimes and allowed groups were per client read as the defaults.
  return { displayName, redirectUris, postLogoutRedirectUris, public: isPublic, requirePkce, consent, allowedRoles, allowedUsers,
    allowedGroups: allowedGroups ?? [], backchannelLogoutUri, refreshTokens, idTokenSignedResponseAlg, subjectType,
    grantTypes: grantTypes ?? [...DEFAULT_GRANT_TYPES], tokenLifetimes: { ...DEFAULT_TOKEN_LIFETIMES, ...tokenLifetimes } };
}

function toClient(row: Selectable<OidcClientTable>): OidcClient {
  const s = JSON.parse(row.config) as Settings;
  return {
    clientId: row.client_id,
    ...settingsOf(s),
    secretHash: row.secret_hash,
    createdAt: new Date(Number(row.created_ts)),
    updatedAt: new Date(Number(row.updated_ts)),
  };
}

export class SqlOidcClientRepository implements OidcClientRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<OidcClient[]> {
    const rows = await this.db.selectFrom('oidc_client').selectAll().orderBy('client_id').execute();
    return rows.map(toClient);
  }

  async findById(clientId: string): Promise<OidcClient | null> {
    const row = await this.db.selectFrom('oidc_client').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row ? toClient(row) : null;
  }

  async create(client: OidcClient): Promise<void> {
    try {
      await this.db
        .insertInto('oidc_client')
        .values({
          client_id: client.clientId,
          config: JSON.stringify(settingsOf(client)),
          secret_hash: client.secretHash,
          created_ts: client.createdAt.getTime(),
          updated_ts: client.updatedAt.getTime(),
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(`oidc client ${client.clientId} already exists`);
      throw err;
    }
  }

  async update(clientId: string, patch: OidcClientPatch, at: Date): Promise<OidcClient | null> {
    const current = await this.findById(clientId);
    if (!current) return null;
    const next: OidcClient = { ...current, ...patch, updatedAt: at };
    const result = await this.db
      .updateTable('oidc_client')
      .set({ config: JSON.stringify(settingsOf(next)), secret_hash: next.secretHash, updated_ts: at.getTime() })
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return affected(result) > 0 ? next : null;
  }

  async delete(clientId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('oidc_client').where('client_id', '=', clientId).executeTakeFirst();
    return affected(result) > 0;
  }
}
