// Errors on the browser routes: a person gets an HTML page with a fixed sentence and a way back to the sign-in
// page; an API client (no text/html in Accept) gets the usual JSON error from the error middleware.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Deps } from '../deps.js';
import { toAppError } from '../errors.js';
import { checkReturnUrl } from '../http/return-url.js';
import { SsoError } from '../sso/sso-errors.js';
import { html, sendPage } from './html.js';
import { errorCodeMessage, ssoFailureMessage } from './messages.js';

export function prefersHtml(req: Request): boolean {
  const accept = req.headers.accept ?? '';
  return /text\/html/i.test(accept) && req.accepts(['json', 'html']) === 'html';
}

export function signInPageUrl(returnTo: string | null, error?: string): string {
  const query = new URLSearchParams();
  if (error) query.set('error', error);
  if (returnTo && returnTo !== '/') query.set('redirect', returnTo);
  const text = query.toString();
  return text ? `/auth?${text}` : '/auth';
}

function renderError(deps: Deps, req: Request, res: Response, err: unknown): void {
  const appError = toAppError(err);
  if (appError.status >= 500) {
    deps.logger.error({ err: appError.cause ?? appError, code: appError.code }, 'browser request failed');
  }
  for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
  const sso = appError instanceof SsoError ? appError : null;
  const message = sso ? ssoFailureMessage(sso.reason, sso.provider) : errorCodeMessage(appError.code);
  const returnTo = sso?.returnTo ?? checkReturnUrl(deps.config, req.query.redirect);
  const body = html`<h1>Sign-in failed</h1>
<p class="alert" role="alert">${message}</p>
<p><a class="button primary" href="${signInPageUrl(returnTo)}">Back to sign-in</a></p>`;
  sendPage(res, deps.config, appError.status, 'Sign-in failed', body);
}

/** Wraps a browser handler: errors become a page for browsers and JSON for everyone else. */
export function asBrowserRoute(deps: Deps, handler: RequestHandler): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await handler(req, res, next);
    } catch (err) {
      if (!prefersHtml(req) || res.headersSent) throw err;
      renderError(deps, req, res, err);
    }
  };
}
