// Row shapes of every table, as Kysely sees them. Times are epoch milliseconds (BIGINT) on both databases.
import type { Generated } from 'kysely';

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
}

export interface SystemSettingTable {
  name: string;
  value: string;
  description: string;
}

export interface Database {
  user: UserTable;
  user_session: UserSessionTable;
  user_refresh_token: UserRefreshTokenTable;
  system_setting: SystemSettingTable;
}
