// What every console route runs before its guard: the browser session (CSRF token, flash), the cross-site check
// of a state-changing request (Origin / Sec-Fetch-Site, then the per-session CSRF token), and the caller from the
// `sso_session` cookie as the same Principal the bearer middleware sets, so routes.ts's guard decides access
// exactly as for the API. Errors become HTML pages (403 page for a non-admin, /auth for a signed-out browser).
import { timingSafeEqual } from 'node:crypto';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Deps } from '../deps.js';
import { permissionDenied, toAppError } from '../errors.js';
import { browserSession } from '../http/browser-session.js';
import { findBrowserSession } from '../oidc-provider/account.js';
import type { Principal } from '../auth/principal.js';
import { html } from './html.js';
import { errorCodeMessage } from './messages.js';
import { isCrossSite } from './signin-handlers.js';
import { sendConsolePage, type ConsoleView } from './console-html.js';
import { randomToken } from '../auth/secrets.js';

declare module 'express-session' {
  interface SessionData {
    consoleFlash?: { kind: 'ok' | 'error'; text: string };
    /** A new personal access token, shown once on the next GET /account. */
    consoleNewToken?: string;
  }
}

function sameToken(a: unknown, b: string | undefined): boolean {
  if (typeof a !== 'string' || b === undefined || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Refuses a state-changing console request from another site, or without this session's CSRF token. */
export function assertSameSiteForm(deps: Pick<Deps, 'config'>, req: Request): void {
  if (isCrossSite(req, deps.config)) throw permissionDenied('cross-site form post refused');
  const token = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (!sameToken(token, req.session?.csrfToken)) throw permissionDenied('the form has expired; reload the page and try again');
}

export function consoleEntry(deps: Deps, options: { signedIn: boolean } = { signedIn: true }): RequestHandler {
  const session = browserSession(deps);
  return (req, res, next) => {
    session(req, res, (err?: unknown) => {
      if (err) return next(err);
      void (async () => {
        if (req.method !== 'GET' && req.method !== 'HEAD') assertSameSiteForm(deps, req);
        req.session.csrfToken ??= randomToken();
        res.locals.csrfToken = req.session.csrfToken;
        const browser = await findBrowserSession(deps, req.headers.cookie);
        if (browser) {
          const principal: Principal = { user: browser.user, via: 'access-token', session: { id: browser.session.id, createdAt: browser.session.createdAt } };
          res.locals.principal = principal;
        } else if (options.signedIn) {
          const back = new URLSearchParams({ redirect: req.method === 'GET' ? req.originalUrl : '/account' });
          res.redirect(303, `/auth?${back}`);
          return;
        }
        next();
      })().catch(next);
    });
  };
}

export function consoleView(req: Request, res: Response, active?: string): ConsoleView {
  const flash = req.session?.consoleFlash ?? null;
  if (req.session && flash) delete req.session.consoleFlash;
  const principal = res.locals.principal as Principal | undefined;
  return { user: principal?.user ?? null, csrfToken: String(res.locals.csrfToken ?? ''), flash, ...(active ? { active } : {}) };
}

/** POST-redirect-GET with one fixed sentence for the next page. */
export function redirectWithFlash(req: Request, res: Response, to: string, text: string, kind: 'ok' | 'error' = 'ok'): void {
  req.session.consoleFlash = { kind, text };
  res.redirect(303, to);
}

export function consoleErrorPage(deps: Deps): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const appError = toAppError(err);
    if (appError.status >= 500) deps.logger.error({ err: appError.cause ?? appError, code: appError.code }, 'console request failed');
    // A failed form (bad input, a rule of the domain) goes back to its page with the domain's sentence.
    if (req.method === 'POST' && appError.status < 500 && appError.status !== 403 && req.session && typeof req.get('referer') === 'string') {
      const back = safeBack(deps, req.get('referer')!);
      if (back) return redirectWithFlash(req, res, back, appError.message || errorCodeMessage(appError.code), 'error');
    }
    const title = appError.status === 403 ? 'Not allowed' : appError.status === 404 ? 'Not found' : 'Something went wrong';
    const view = req.session ? consoleView(req, res) : { user: null, csrfToken: '' };
    sendConsolePage(res, deps.config, appError.status, title, view, html`<p class="alert" role="alert" id="error">${errorCodeMessage(appError.code)}</p>
<p><a href="/account">Back to your account</a></p>`);
  };
}

function safeBack(deps: Pick<Deps, 'config'>, referer: string): string | null {
  try {
    const url = new URL(referer);
    if (url.origin !== deps.config.instanceOrigin) return null;
    return url.pathname + url.search;
  } catch {
    return null;
  }
}
