// Cookie-authenticated POSTs (sign-out, refresh) must come from the instance's own origin when the browser says
// where they come from: a protected app on a sibling subdomain is the same site for SameSite, so its pages could
// otherwise sign a user out or rotate their refresh token. No `Origin` (curl, scripts) stays allowed.
import type { RequestHandler } from 'express';
import type { Deps } from '../deps.js';
import { permissionDenied } from '../errors.js';
import { readCookie, REFRESH_COOKIE, SSO_COOKIE } from './cookies.js';

export function requireOwnOriginWithCookies(deps: Deps): RequestHandler {
  const own = new URL(deps.config.instanceUrl).origin;
  return (req, _res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    const withCookies = readCookie(req, REFRESH_COOKIE) !== null || readCookie(req, SSO_COOKIE) !== null;
    if (withCookies && origin !== own) throw permissionDenied(`cross-origin request refused: a request with session cookies must come from ${own}`);
    next();
  };
}
