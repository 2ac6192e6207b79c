// The access JWT: 15 minutes, Memos' claims (type, iss, aud, sub, iat, exp, username, role, status) plus `sid`,
// the session it was issued for, so that revoking the session ends its access tokens too (checked by the API
// bearer middleware and by /auth/verify), and `username_locked` (an admin assigned or locked the name: only then
// may a rule's userPattern match it; /auth/verify reads it here rather than from the database). Memos clients
// ignore the extra claims.
import type { User } from '../users/user.js';
import type { KeyRing } from './keys.js';
import { signToken, verifyToken } from './jwt.js';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

export interface AccessClaims {
  userId: number;
  username: string;
  role: string;
  status: string;
  /** The `sid` claim; null for a token without one (issued before sessions were named in tokens). */
  sessionId: string | null;
  /** The `username_locked` claim; false when absent. */
  usernameLocked: boolean;
  issuedAt: Date;
  expiresAt: Date;
}

/** Memos' docs name the active status ACTIVE (the User resource says NORMAL; the token follows the docs). */
export function tokenStatus(user: Pick<User, 'state'>): 'ACTIVE' | 'ARCHIVED' {
  return user.state === 'ARCHIVED' ? 'ARCHIVED' : 'ACTIVE';
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function issueAccessToken(keys: KeyRing, user: User, sessionId: string, now: Date) {
  return signToken(
    keys,
    'access',
    { username: user.username, role: user.role, status: tokenStatus(user), sid: sessionId, username_locked: user.usernameLocked },
    String(user.id),
    now,
    ACCESS_TOKEN_TTL_SECONDS,
  );
}

export async function verifyAccessToken(keys: KeyRing, token: string, now: Date): Promise<AccessClaims> {
  const p = await verifyToken(keys, 'access', token, now, ACCESS_TOKEN_TTL_SECONDS);
  return {
    userId: Number(p.sub),
    username: typeof p.username === 'string' ? p.username : '',
    role: typeof p.role === 'string' ? p.role : '',
    status: typeof p.status === 'string' ? p.status : '',
    sessionId: typeof p.sid === 'string' && SESSION_ID.test(p.sid) ? p.sid : null,
    usernameLocked: p.username_locked === true,
    issuedAt: new Date((p.iat ?? 0) * 1000),
    expiresAt: new Date((p.exp ?? 0) * 1000),
  };
}
