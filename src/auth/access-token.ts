// The access JWT: stateless, 15 minutes, Memos' claims (type, iss, aud, sub, iat, exp, username, role, status).
import type { User } from '../users/user.js';
import type { KeyRing } from './keys.js';
import { signToken, verifyToken } from './jwt.js';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

export interface AccessClaims {
  userId: number;
  username: string;
  role: string;
  status: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** Memos' docs name the active status ACTIVE (the User resource says NORMAL; the token follows the docs). */
export function tokenStatus(user: Pick<User, 'state'>): 'ACTIVE' | 'ARCHIVED' {
  return user.state === 'ARCHIVED' ? 'ARCHIVED' : 'ACTIVE';
}

export function issueAccessToken(keys: KeyRing, user: User, now: Date) {
  return signToken(
    keys,
    'access',
    { username: user.username, role: user.role, status: tokenStatus(user) },
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
    issuedAt: new Date((p.iat ?? 0) * 1000),
    expiresAt: new Date((p.exp ?? 0) * 1000),
  };
}
