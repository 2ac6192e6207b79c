// The one bearer middleware. `memos_pat_…` → personal access token; any other bearer → access JWT.
// A bearer that is present but bad is a 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750
// §3.1) on every route, never a silent fall back to anonymous. The user and the token's session (`sid`) are
// re-read from the database, so a deleted or archived user, or a revoked session, fails at once and roles come
// from the database, not the token. An access token without `sid` (issued before it existed) is refused.
import type { RequestHandler } from 'express';
import type { Clock } from '../clock.js';
import { AppError, unauthenticated } from '../errors.js';
import { isLiveSessionOf } from '../sessions/session.js';
import type { Store } from '../store/store.js';
import type { User } from '../users/user.js';
import { verifyAccessToken } from './access-token.js';
import { InvalidTokenError } from './jwt.js';
import type { KeyRing } from './keys.js';
import type { Principal } from './principal.js';
import { isBasicScheme, parseBasic, WWW_BASIC } from './basic-credentials.js';

export const PAT_PREFIX = 'memos_pat_';
const MAX_AUTHORIZATION = 8192;

/** Checks a `memos_pat_…` token and returns its owner; provided by the personal-access-token module. */
export interface PatAuthenticator {
  authenticate(token: string): Promise<{ user: User; tokenId: string } | null>;
}

/** What resolving a bearer needs. */
export interface BearerDeps {
  clock: Clock;
  keys: KeyRing;
  store: Pick<Store, 'users' | 'sessions'>;
  pats: PatAuthenticator;
}

/** The bearer middleware also counts guessed PATs per address (brute-force regulation). */
export interface BearerMiddlewareDeps extends BearerDeps {
  regulation: {
    assertTokenAttemptAllowed(ip: string | undefined): Promise<void>;
    recordTokenFailure(ip: string | undefined): Promise<void>;
  };
}

export type BearerParse = { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string };

/** RFC 6750 §2.1: the scheme (any case), one space, the token (b64token characters only). */
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] ([A-Za-z0-9\-._~+/]+=*)$/;

export function parseBearer(header: string | undefined): BearerParse {
  if (header === undefined) return { kind: 'none' };
  // (A request with two Authorization headers never gets here: app.ts refuses it with 400.)
  if (header.length > MAX_AUTHORIZATION) return { kind: 'malformed' };
  const match = BEARER.exec(header);
  return match ? { kind: 'token', token: match[1]! } : { kind: 'malformed' };
}

const invalidToken = (message = 'invalid access token') => unauthenticated(message, 'invalid_token');
const basicRefused = () =>
  new AppError('UNAUTHENTICATED', 'Basic auth takes a username and one of its personal access tokens', { headers: { 'WWW-Authenticate': WWW_BASIC } });

/** Resolves a bearer token to a principal, or throws 401. */
export async function authenticateBearer(deps: BearerDeps, token: string): Promise<Principal> {
  if (token.startsWith(PAT_PREFIX)) {
    const found = await deps.pats.authenticate(token);
    if (!found) throw invalidToken('invalid personal access token');
    return { user: found.user, via: 'pat', patId: found.tokenId };
  }
  let userId: number;
  let sessionId: string | null;
  const now = deps.clock.now();
  try {
    ({ userId, sessionId } = await verifyAccessToken(deps.keys, token, now));
  } catch (err) {
    if (err instanceof InvalidTokenError) throw invalidToken();
    throw err;
  }
  if (sessionId === null) throw invalidToken();
  const [user, session] = await Promise.all([deps.store.users.findById(userId), deps.store.sessions.findById(sessionId)]);
  if (!user || user.state !== 'NORMAL') throw invalidToken();
  if (!session || !isLiveSessionOf(session, userId, now)) throw invalidToken('invalid access token: session ended');
  return { user, via: 'access-token', session: { id: session.id, createdAt: session.createdAt } };
}

/** Basic with a PAT of that username (basic-credentials.ts), regulated like a guessed PAT; anything else in Basic is 401. */
async function authenticateBasic(deps: BearerMiddlewareDeps, header: string, ip: string | undefined): Promise<Principal> {
  const basic = parseBasic(header);
  await deps.regulation.assertTokenAttemptAllowed(ip);
  const found = basic.kind === 'pat' ? await deps.pats.authenticate(basic.token) : null;
  if (basic.kind !== 'pat' || found === null || found.user.username !== basic.username) {
    await deps.regulation.recordTokenFailure(ip);
    throw basicRefused();
  }
  return { user: found.user, via: 'pat', patId: found.tokenId };
}

export function bearerMiddleware(deps: BearerMiddlewareDeps): RequestHandler {
  return async (req, res, next) => {
    if (isBasicScheme(req.headers.authorization)) {
      res.locals.principal = await authenticateBasic(deps, req.headers.authorization!, req.ip);
      return next();
    }
    const bearer = parseBearer(req.headers.authorization);
    if (bearer.kind === 'none') {
      res.locals.principal = null;
      return next();
    }
    if (bearer.kind === 'malformed') throw invalidToken('malformed authorization header');
    if (!bearer.token.startsWith(PAT_PREFIX)) {
      res.locals.principal = await authenticateBearer(deps, bearer.token);
      return next();
    }
    // PATs are the guessable kind of bearer: a ban on the address is checked first, each miss counts.
    await deps.regulation.assertTokenAttemptAllowed(req.ip);
    try {
      res.locals.principal = await authenticateBearer(deps, bearer.token);
    } catch (err) {
      if (err instanceof AppError && err.code === 'UNAUTHENTICATED') await deps.regulation.recordTokenFailure(req.ip);
      throw err;
    }
    next();
  };
}
