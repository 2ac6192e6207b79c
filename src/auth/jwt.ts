// Signing and checking the gateway's two JWT kinds. Every check is pinned: algorithm HS256, typ JWT, a known
// kid, issuer `memos`, exactly one audience, and the `type` claim, so neither kind passes for the other
// (RFC 8725 §3.1, §3.8–3.12). Any failure is one generic error; the reason goes only to the caller's log.
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import type { KeyRing } from './keys.js';

export const ISSUER = 'memos';
export type TokenType = 'access' | 'refresh' | 'device';
export const AUDIENCE: Record<TokenType, string> = { access: 'user.access-token', refresh: 'user.refresh-token', device: 'gateway.device-cookie' };

/** Longer than any token we issue; anything bigger is refused before it is parsed. */
export const MAX_JWT_LENGTH = 4096;
/** Three unpadded base64url segments: jose's decoder tolerates `=` padding, the compact form does not. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

export async function signToken(
  keys: KeyRing,
  type: TokenType,
  claims: Record<string, unknown>,
  subject: string,
  issuedAt: Date,
  lifetimeSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const iat = Math.floor(issuedAt.getTime() / 1000);
  const exp = iat + lifetimeSeconds;
  const token = await new SignJWT({ type, ...claims })
    .setProtectedHeader({ alg: 'HS256', kid: keys.signing.kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience([AUDIENCE[type]])
    .setSubject(subject)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keys.signing.key);
  return { token, expiresAt: new Date(exp * 1000) };
}

/** Clock skew tolerated on `iat` between replicas; `exp` has none (as Memos). */
const IAT_SKEW_SECONDS = 60;

export async function verifyToken(
  keys: KeyRing,
  type: TokenType,
  token: string,
  now: Date,
  maxLifetimeSeconds?: number,
): Promise<JWTPayload> {
  if (token.length > MAX_JWT_LENGTH) throw new InvalidTokenError('token too long');
  if (!COMPACT_JWS.test(token)) throw new InvalidTokenError('not a compact JWS');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      token,
      async (header) => {
        const key = await keys.resolve(header.kid, now);
        if (!key) throw new InvalidTokenError('unknown kid');
        return key.key;
      },
      {
        algorithms: ['HS256'],
        typ: 'JWT',
        issuer: ISSUER,
        audience: AUDIENCE[type],
        currentDate: now,
        clockTolerance: 0,
        requiredClaims: ['iat', 'exp', 'sub'],
      },
    ));
  } catch (err) {
    throw new InvalidTokenError(err instanceof Error ? err.message : 'invalid token');
  }
  const aud = payload.aud;
  // jose accepts an audience list that merely contains ours; we require exactly ours.
  const audOk = Array.isArray(aud) ? aud.length === 1 && aud[0] === AUDIENCE[type] : aud === AUDIENCE[type];
  if (!audOk) throw new InvalidTokenError('unexpected audience');
  if (payload.type !== type) throw new InvalidTokenError('unexpected token type');
  const iat = payload.iat!;
  const exp = payload.exp!;
  if (iat > now.getTime() / 1000 + IAT_SKEW_SECONDS) throw new InvalidTokenError('issued in the future');
  if (maxLifetimeSeconds !== undefined && exp - iat > maxLifetimeSeconds) throw new InvalidTokenError('lifetime too long');
  if (typeof payload.sub !== 'string' || !/^[1-9][0-9]{0,15}$/.test(payload.sub)) throw new InvalidTokenError('bad subject');
  return payload;
}
