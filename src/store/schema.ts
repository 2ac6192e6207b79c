// Row shapes of every table, as Kysely sees them. Times are epoch milliseconds (BIGINT) on both databases.
import type { ColumnType, Generated } from 'kysely';

export interface UserTable {
  id: Generated<number>;
  username: string;
  role: string;
  row_status: string;
  email: string;
  nickname: string;
  password_hash: string;
  avatar_url: string;
  description: string;
  created_ts: number;
  updated_ts: number;
  /** 1 when an admin assigned or locked the username (migration 0005). */
  username_locked: Generated<number>;
  /** 1 when the email was verified (by a provider that says so, or set by an admin). */
  email_verified: Generated<number>;
  /** Generated: lower(username), unique. */
  username_key: ColumnType<string, never, never>;
  /** Generated: lower(email) while verified, else NULL; unique. */
  verified_email_key: ColumnType<string | null, never, never>;
}

export interface UserSessionTable {
  id: string;
  user_id: number;
  sso_token_hash: string | null;
  user_agent: string;
  ip_address: string;
  device_type: string;
  os: string;
  browser: string;
  created_ts: number;
  last_active_ts: number;
  expires_ts: number;
  revoked_ts: number | null;
}

export interface UserRefreshTokenTable {
  tid: string;
  session_id: string;
  user_id: number;
  created_ts: number;
  expires_ts: number;
  rotated_ts: number | null;
  replaced_by: string | null;
  revoked_ts: number | null;
  /** SHA-256 of the access token issued with this refresh token: names the session of a bearer-only call. */
  access_token_hash: string | null;
}

export interface SystemSettingTable {
  name: string;
  value: string;
  description: string;
}

export interface PersonalAccessTokenTable {
  id: string;
  user_id: number;
  token_hash: string;
  description: string;
  created_ts: number;
  expires_ts: number | null;
  last_used_ts: number | null;
}

export interface IdpTable {
  id: Generated<number>;
  uid: string;
  /** The title (Memos keeps the column name `name`). */
  name: string;
  type: string;
  identifier_filter: string;
  /** RE2 over the provider's groups ('' = none); added by 0011-groups. */
  group_filter: Generated<string>;
  /** JSON of the OAuth2 config, client secret included. */
  config: string;
  created_ts: number;
  updated_ts: number;
}

export interface UserIdentityTable {
  id: Generated<number>;
  user_id: number;
  provider: string;
  extern_uid: string;
  created_ts: number;
  updated_ts: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  created_ts: number;
  event: string;
  actor_user_id: number | null;
  subject_user_id: number | null;
  subject: string;
  ip_address: string;
  user_agent: string;
  detail: string;
}

export interface UserTotpTable {
  user_id: number;
  sealed_secret: string;
  state: string;
  created_ts: number;
  confirmed_ts: number | null;
  last_used_step: number | null;
}

export interface UserRecoveryCodeTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  created_ts: number;
  used_ts: number | null;
}

// OpenID Provider (0007): oidc-provider's durable models, relying parties, signing keys, remembered consent.
export interface OidcModelTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  gateway_session_id: string | null;
  expires_ts: number | null;
  consumed_ts: number | null;
}

export interface OidcClientTable {
  client_id: string;
  config: string;
  secret_hash: string | null;
  created_ts: number;
  updated_ts: number;
}

export interface OidcSigningKeyTable {
  kid: string;
  alg: string;
  private_jwk: string;
  created_ts: number;
  retired_ts: number | null;
}

export interface OidcConsentTable {
  user_id: number;
  client_id: string;
  scope: string;
  created_ts: number;
}

export interface Database {
  user: UserTable;
  user_session: UserSessionTable;
  user_refresh_token: UserRefreshTokenTable;
  system_setting: SystemSettingTable;
  audit_log: AuditLogTable;
  personal_access_token: PersonalAccessTokenTable;
  idp: IdpTable;
  user_identity: UserIdentityTable;
  user_totp: UserTotpTable;
  user_recovery_code: UserRecoveryCodeTable;
  oidc_model: OidcModelTable;
  oidc_client: OidcClientTable;
  oidc_signing_key: OidcSigningKeyTable;
  oidc_consent: OidcConsentTable;
  user_group: UserGroupTable;
}

/** A user's group: provider '' = local (given by an admin), else the identity provider's uid. */
export interface UserGroupTable {
  user_id: number;
  provider: string;
  name: string;
  created_ts: number;
}
