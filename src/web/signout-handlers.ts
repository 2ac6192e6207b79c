// POST /auth/signout: the browser's sign-out. Ends the gateway session like the API's, then sends the browser to
// the provider's end_session_endpoint when the sign-in came through one with endSessionAtProvider (OpenID Connect
// RP-Initiated Logout 1.0), else back to the sign-in page.
import type { RequestHandler } from 'express';
import { endThisSignIn } from '../auth/auth-handlers.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { postLogoutRedirectUri, takeEndSessionUrl } from '../sso/upstream-sign-out.js';

export function signOutBrowser(deps: Deps): RequestHandler {
  return async (req, res) => {
    let ids: string[] = [];
    try {
      ids = await endThisSignIn(deps, req, res);
    } catch (err) {
      // Already signed out: the same place a sign-out ends, not an error page.
      if (!(err instanceof AppError) || err.code !== 'UNAUTHENTICATED') throw err;
    }
    const endSession = await takeEndSessionUrl(deps, ids);
    res.set('Cache-Control', 'no-store');
    res.redirect(303, endSession ?? postLogoutRedirectUri(deps.config));
  };
}
