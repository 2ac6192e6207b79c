// Reads what a request carries that can name its session (bearer, `sso_session`, `memos_refresh`), for the
// domain's findCallerSessionId, which never sees the request itself.
import type { Request } from 'express';
import { parseBearer } from '../auth/authenticate.js';
import type { SessionEvidence } from './caller-session.js';
import { readCookie, REFRESH_COOKIE, SSO_COOKIE } from '../http/cookies.js';

export function readSessionEvidence(req: Request): SessionEvidence {
  const bearer = parseBearer(req.headers.authorization);
  return {
    bearer: bearer.kind === 'token' ? bearer.token : null,
    ssoCookie: readCookie(req, SSO_COOKIE),
    refreshCookie: readCookie(req, REFRESH_COOKIE),
  };
}
