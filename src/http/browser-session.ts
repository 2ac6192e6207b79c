// The browser session (`gw_browser`, express-session over the ephemeral store): short-lived state of the
// gateway's own pages (CSRF token; later a pending second factor, OpenID Provider interactions). Created lazily,
// only when something is stored; mounted per route in routes.ts, never on /auth/verify or the JSON API.
import { webcrypto } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import { randomToken } from '../auth/secrets.js';
import type { Deps } from '../deps.js';
import { EphemeralSessionStore } from '../state/browser-session-store.js';
import { isSecureRequest } from './cookies.js';

declare module 'express-session' {
  interface SessionData {
    /** Per-session token for the gateway's forms. */
    csrfToken?: string;
  }
}

export const BROWSER_SESSION_COOKIE = 'gw_browser';
export const BROWSER_SESSION_TTL_MS = 60 * 60 * 1000;
const SECRET_LABEL = new TextEncoder().encode('sso-gateway browser-session cookie signature');

export type BrowserSessionDeps = Pick<Deps, 'config' | 'ephemeral' | 'keys'>;

/** One cookie-signing secret per signing key (newest first: it signs, all verify), derived, never the key itself. */
async function deriveSecrets(deps: BrowserSessionDeps): Promise<string[]> {
  const keys = [...deps.keys.keys].reverse();
  const macs = await Promise.all(keys.map((k) => webcrypto.subtle.sign('HMAC', k.key, SECRET_LABEL)));
  return macs.map((mac) => Buffer.from(mac).toString('base64url'));
}

export function browserSession(deps: BrowserSessionDeps): RequestHandler {
  const { config } = deps;
  const store = new EphemeralSessionStore(deps.ephemeral, BROWSER_SESSION_TTL_MS);
  // Secure exactly when the other cookies are (cookies.ts). When it comes from configuration (https instance URL),
  // express-session may read X-Forwarded-Proto to decide whether to send it; Secure is set either way.
  const configuredSecure = config.forceSecureCookies || config.instanceOrigin.startsWith('https:');
  let built: { signedBy: string; handler: Promise<RequestHandler> } | null = null;

  const handlerFor = (signedBy: string): Promise<RequestHandler> => {
    if (built?.signedBy !== signedBy) {
      // Rebuilt when the key ring rotates, so the cookie secret follows the instance's signing keys.
      const handler = deriveSecrets(deps).then((secret) =>
        session({
          name: BROWSER_SESSION_COOKIE,
          secret,
          store,
          resave: false,
          saveUninitialized: false,
          rolling: false,
          unset: 'destroy',
          proxy: configuredSecure ? true : undefined,
          cookie: (req: Request) => ({
            path: '/',
            httpOnly: true,
            sameSite: 'lax',
            secure: isSecureRequest(req, config),
            maxAge: BROWSER_SESSION_TTL_MS,
          }),
        }),
      );
      built = { signedBy, handler };
    }
    return built.handler;
  };

  return (req, res, next) => {
    handlerFor(deps.keys.signing.kid).then(
      (handler) => handler(req, res, next),
      (err: unknown) => next(err),
    );
  };
}

/** Puts a CSRF token into the browser session (creating it) and exposes it as `res.locals.csrfToken`. */
export const ensureCsrfToken: RequestHandler = (req, res, next) => {
  if (!req.session) return next(new Error('ensureCsrfToken needs browserSession before it'));
  req.session.csrfToken ??= randomToken();
  res.locals.csrfToken = req.session.csrfToken;
  next();
};
