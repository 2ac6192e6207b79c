// The one bearer middleware. `memos_pat_…` → personal access token; any other bearer → access JWT.
// A bearer that is present but bad is a 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750
// §3.1) on every route, never a silent fall back to anonymous. The user is re-read from the database, so a
// deleted or archived user fails at once and roles come from the database, not the token.
import type { RequestHandler } from 'express';
import type { Deps } from '../deps.js';
import { unauthenticated } from '../errors.js';
import type { User } from '../users/user.js';
import { verifyAccessToken } from './access-token.js';
import { InvalidTokenError } from './jwt.js';
import type { Principal } from './principal.js';

export const PAT_PREFIX = 'memos_pat_';
const MAX_AUTHORIZATION = 8192;

/** Checks a `memos_pat_…` token and returns its owner; provided by the personal-access-token module. */
export interface PatAuthenticator {
  authenticate(token: string): Promise<{ user: User; tokenId: string } | null>;
}

export type BearerParse = { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string };

export function parseBearer(header: string | undefined): BearerParse {
  if (header === undefined) return { kind: 'none' };
  if (header.length > MAX_AUTHORIZATION) return { kind: 'malformed' };
  const parts = header.trim().split(/\s+/);
  if (parts.length !== 2 || parts[0]!.toLowerCase() !== 'bearer' || parts[1]!.length === 0) return { kind: 'malformed' };
  return { kind: 'token', token: parts[1]! };
}

const invalidToken = (message = 'invalid access token') => unauthenticated(message, 'invalid_token');

/** Resolves a bearer token to a principal, or throws 401. */
export async function authenticateBearer(deps: Deps, pats: PatAuthenticator | null, token: string): Promise<Principal> {
  if (token.startsWith(PAT_PREFIX)) {
    const found = pats ? await pats.authenticate(token) : null;
    if (!found) throw invalidToken('invalid personal access token');
    return { user: found.user, via: 'pat', patId: found.tokenId };
  }
  let userId: number;
  try {
    ({ userId } = await verifyAccessToken(deps.keys, token, deps.clock.now()));
  } catch (err) {
    if (err instanceof InvalidTokenError) throw invalidToken();
    throw err;
  }
  const user = await deps.store.users.findById(userId);
  if (!user || user.state !== 'NORMAL') throw invalidToken();
  return { user, via: 'access-token' };
}

export function bearerMiddleware(deps: Deps, pats: () => PatAuthenticator | null): RequestHandler {
  return async (req, res, next) => {
    const bearer = parseBearer(req.headers.authorization);
    if (bearer.kind === 'none') {
      res.locals.principal = null;
      return next();
    }
    if (bearer.kind === 'malformed') throw invalidToken('malformed authorization header');
    res.locals.principal = await authenticateBearer(deps, pats(), bearer.token);
    next();
  };
}
