// IdpRepository over Kysely (`idp`). The OAuth2 config is one JSON column (Memos keeps protojson there).
import type { Kysely, Selectable, Updateable } from 'kysely';
import { alreadyExists } from '../../errors.js';
import type {
  IdentityProvider,
  IdentityProviderPatch,
  IdpRepository,
  NewIdentityProvider,
  OAuth2Config,
} from '../../sso/identity-provider.js';
import type { Database, IdpTable } from '../schema.js';
import { affected, isUniqueViolation } from './errors.js';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

function parseConfig(text: string): OAuth2Config {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const mapping = (raw.fieldMapping ?? {}) as Record<string, unknown>;
  return {
    clientId: str(raw.clientId),
    clientSecret: str(raw.clientSecret),
    authUrl: str(raw.authUrl),
    tokenUrl: str(raw.tokenUrl),
    userInfoUrl: str(raw.userInfoUrl),
    scopes: strings(raw.scopes),
    fieldMapping: {
      identifier: str(mapping.identifier),
      displayName: str(mapping.displayName),
      email: str(mapping.email),
      avatarUrl: str(mapping.avatarUrl),
      username: str(mapping.username),
      groups: str(mapping.groups),
    },
    issuer: str(raw.issuer),
    redirectUris: strings(raw.redirectUris),
    tokenEndpointAuthMethod: raw.tokenEndpointAuthMethod === 'client_secret_basic' || raw.tokenEndpointAuthMethod === 'client_secret_post' ? raw.tokenEndpointAuthMethod : '',
    requireSecondFactor: raw.requireSecondFactor === true,
    endSessionAtProvider: raw.endSessionAtProvider === true,
  };
}

function toIdp(row: Selectable<IdpTable>): IdentityProvider {
  return {
    id: Number(row.id),
    uid: row.uid,
    title: row.name,
    type: 'OAUTH2',
    identifierFilter: row.identifier_filter,
    groupFilter: row.group_filter,
    config: parseConfig(row.config),
    createdAt: new Date(Number(row.created_ts)),
    updatedAt: new Date(Number(row.updated_ts)),
  };
}

export class SqlIdpRepository implements IdpRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<IdentityProvider[]> {
    const rows = await this.db.selectFrom('idp').selectAll().orderBy('id').execute();
    return rows.map(toIdp);
  }

  async findByUid(uid: string): Promise<IdentityProvider | null> {
    const row = await this.db.selectFrom('idp').selectAll().where('uid', '=', uid).executeTakeFirst();
    // MySQL's PAD SPACE collations match "x " to "x": only the exact uid names this provider.
    return row && row.uid === uid ? toIdp(row) : null;
  }

  async findById(id: number): Promise<IdentityProvider | null> {
    const row = await this.db.selectFrom('idp').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toIdp(row) : null;
  }

  async create(idp: NewIdentityProvider): Promise<IdentityProvider> {
    const ts = idp.createdAt.getTime();
    try {
      const result = await this.db
        .insertInto('idp')
        .values({
          uid: idp.uid,
          name: idp.title,
          type: idp.type,
          identifier_filter: idp.identifierFilter,
          group_filter: idp.groupFilter ?? '',
          config: JSON.stringify(idp.config),
          created_ts: ts,
          updated_ts: ts,
        })
        .executeTakeFirstOrThrow();
      return { ...idp, groupFilter: idp.groupFilter ?? '', id: Number(result.insertId), updatedAt: idp.createdAt };
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(`identity provider "${idp.uid}" already exists`);
      throw err;
    }
  }

  async update(uid: string, patch: IdentityProviderPatch, at: Date): Promise<IdentityProvider | null> {
    const values: Updateable<IdpTable> = { updated_ts: at.getTime() };
    if (patch.title !== undefined) values.name = patch.title;
    if (patch.identifierFilter !== undefined) values.identifier_filter = patch.identifierFilter;
    if (patch.groupFilter !== undefined) values.group_filter = patch.groupFilter;
    if (patch.config !== undefined) values.config = JSON.stringify(patch.config);
    const result = await this.db.updateTable('idp').set(values).where('uid', '=', uid).executeTakeFirst();
    if (affected(result) === 0) return null;
    return this.findByUid(uid);
  }

  async delete(uid: string): Promise<boolean> {
    const result = await this.db.deleteFrom('idp').where('uid', '=', uid).executeTakeFirst();
    return affected(result) > 0;
  }
}
