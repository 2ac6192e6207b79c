// The refresh JWT: 30 days, identified by `tid`, one row per token in user_refresh_token.
import { InvalidTokenError, signToken, verifyToken } from './jwt.js';
import type { KeyRing } from './keys.js';

export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function issueRefreshToken(keys: KeyRing, userId: number, tid: string, now: Date) {
  return signToken(keys, 'refresh', { tid }, String(userId), now, REFRESH_TOKEN_TTL_SECONDS);
}

export async function verifyRefreshToken(keys: KeyRing, token: string, now: Date): Promise<{ userId: number; tid: string }> {
  const p = await verifyToken(keys, 'refresh', token, now, REFRESH_TOKEN_TTL_SECONDS);
  if (typeof p.tid !== 'string' || !UUID.test(p.tid)) throw new InvalidTokenError('bad tid');
  return { userId: Number(p.sub), tid: p.tid };
}
