// The storage the OpenID Provider needs, as small interfaces (store/sql/oidc-*.ts implement them on both
// databases; test/contract/oidc-provider.contract.test.ts is their one suite).
import type { Role } from '../users/user.js';

/** One durable oidc-provider model instance (Grant, RefreshToken): its JSON payload and what it is found by. */
export interface OidcModelRecord {
  payload: string;
  grantId: string | null;
  expiresAt: Date | null;
  consumedAt: Date | null;
}

export interface OidcModelRepository {
  /** Inserts or replaces the payload; a grant's gateway session binding survives the replacement. */
  upsert(model: string, id: string, record: { payload: string; grantId: string | null; expiresAt: Date | null }): Promise<void>;
  /** The record, or null when absent or expired at `now`. */
  find(model: string, id: string, now: Date): Promise<OidcModelRecord | null>;
  /** Conditional: true when this call consumed it (of concurrent callers exactly one). */
  consume(model: string, id: string, at: Date): Promise<boolean>;
  destroy(model: string, id: string): Promise<void>;
  /** Deletes every model of a grant (the grant itself included). */
  revokeByGrantId(grantId: string): Promise<void>;
  /** Records which gateway session a grant came from; a revoked session ends the grant. */
  bindGrantToSession(grantId: string, gatewaySessionId: string): Promise<void>;
  findSessionOfGrant(grantId: string): Promise<string | null>;
  listGrantIdsOfSessions(gatewaySessionIds: readonly string[]): Promise<string[]>;
}

export type ConsentMode = 'ONCE' | 'SKIP';
/** The grant types a client may be limited to (the OP offers the authorization-code flow only). */
export const CLIENT_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;
export type ClientGrantType = (typeof CLIENT_GRANT_TYPES)[number];

/** Per-client token lifetimes in seconds; null means the OP's default (provider.ts TTL). */
export interface ClientTokenLifetimes {
  accessToken: number | null;
  idToken: number | null;
  refreshToken: number | null;
}

export const DEFAULT_TOKEN_LIFETIMES: ClientTokenLifetimes = Object.freeze({ accessToken: null, idToken: null, refreshToken: null });
export const DEFAULT_GRANT_TYPES: readonly ClientGrantType[] = Object.freeze(['authorization_code', 'refresh_token']);
export const ID_TOKEN_ALGS = ['RS256', 'ES256'] as const;
export type IdTokenAlg = (typeof ID_TOKEN_ALGS)[number];

/** A relying party, as the admin API and the deployment file describe it. */
export interface OidcClient {
  clientId: string;
  displayName: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  public: boolean;
  requirePkce: boolean;
  consent: ConsentMode;
  allowedRoles: Role[];
  /** `users/{id}`: stable references, never a name a person can choose. */
  allowedUsers: string[];
  /** Group names (local or from a provider), any of which admits a user. */
  allowedGroups: string[];
  backchannelLogoutUri: string | null;
  /** Refresh tokens also without offline_access. */
  refreshTokens: boolean;
  idTokenSignedResponseAlg: IdTokenAlg;
  subjectType: 'public' | 'pairwise';
  /** What the client may do at the token endpoint (always authorization_code; refresh_token optional). */
  grantTypes: ClientGrantType[];
  tokenLifetimes: ClientTokenLifetimes;
  /** SHA-256 hex of the secret (null for public clients); the secret itself is never stored. */
  secretHash: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type OidcClientPatch = Partial<Omit<OidcClient, 'clientId' | 'createdAt' | 'updatedAt'>>;

export interface OidcClientRepository {
  list(): Promise<OidcClient[]>;
  findById(clientId: string): Promise<OidcClient | null>;
  /** Throws AppError ALREADY_EXISTS when the client id is taken. */
  create(client: OidcClient): Promise<void>;
  update(clientId: string, patch: OidcClientPatch, at: Date): Promise<OidcClient | null>;
  delete(clientId: string): Promise<boolean>;
}

export interface OidcSigningKeyRecord {
  kid: string;
  alg: IdTokenAlg;
  /** Private JWK as JSON: stays in the database, only the public part leaves it (JWKS). */
  privateJwk: string;
  createdAt: Date;
  retiredAt: Date | null;
}

export interface OidcSigningKeyRepository {
  /** Newest first. */
  list(): Promise<OidcSigningKeyRecord[]>;
  add(key: OidcSigningKeyRecord): Promise<void>;
  /** Marks every unretired key of `alg` but `exceptKid` retired at `at`. */
  retireOthers(alg: IdTokenAlg, exceptKid: string, at: Date): Promise<void>;
  /** Deletes keys retired before `before` (every token they signed has expired). */
  deleteRetiredBefore(before: Date): Promise<number>;
}

export interface OidcConsentRepository {
  /** The scope set a user consented to for a client, or null. */
  find(userId: number, clientId: string): Promise<string[] | null>;
  remember(userId: number, clientId: string, scopes: readonly string[], at: Date): Promise<void>;
  revoke(userId: number, clientId: string): Promise<boolean>;
  /** Every client a user consented to, by client id, with the scope set and when. */
  listByUser(userId: number): Promise<{ clientId: string; scopes: string[]; createdAt: Date }[]>;
}
