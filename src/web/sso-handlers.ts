// GET /auth/sso/:uid (start: bind the browser, remember the return URL, 302 to the provider) and
// GET /auth/callback (finish: the flow's checks, then both session cookies and a 302 to the return URL).
import type { RequestHandler } from 'express';
import { completeSignIn } from '../sessions/complete-sign-in.js';
import { originOf } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { checkReturnUrl } from '../http/return-url.js';
import { beginSsoSecondStep } from '../mfa/sign-in-step.js';
import { finishSsoFlow } from '../sso/finish-flow.js';
import { startSsoFlow } from '../sso/start-flow.js';
import { findBrowserSession } from '../oidc-provider/account.js';
import { keepIdTokenForSignOut } from '../sso/upstream-sign-out.js';
import { asBrowserRoute } from './browser-errors.js';
import { redirectToSecondStep } from './mfa-handlers.js';
import { flowBindingFor, readFlowBinding, setFlowBinding } from './flow-cookie.js';

export function startSso(deps: Deps): RequestHandler {
  return asBrowserRoute(deps, async (req, res) => {
    const returnTo = checkReturnUrl(deps.config, req.query.redirect) ?? '/';
    const binding = flowBindingFor(req);
    const url = await startSsoFlow(deps, { idpUid: String(req.params.uid ?? ''), returnTo, bindingHash: binding.hash, origin: originOf(req) });
    setFlowBinding(req, res, deps.config, binding);
    res.redirect(302, url.href);
  });
}

export function finishSso(deps: Deps): RequestHandler {
  return asBrowserRoute(deps, async (req, res) => {
    const signedIn = await findBrowserSession(deps, req.headers.cookie);
    const finished = await finishSsoFlow(deps, { query: req.query, binding: readFlowBinding(req), origin: originOf(req), signedInUserId: signedIn?.user.id ?? null });
    // A link flow (console /account) adds the account to the signed-in user: no new session.
    if (finished.linked) return res.redirect(302, '/account');
    // A provider with requireSecondFactor: the sign-in page's second step (or enrolment) before any session.
    if (finished.idp.config.requireSecondFactor === true) {
      return redirectToSecondStep(req, res, await beginSsoSecondStep(deps, finished.user), finished.returnTo);
    }
    const session = await completeSignIn(deps, req, res, finished.user, 'fed');
    if (finished.idToken !== null) await keepIdTokenForSignOut(deps, session.sessionId, finished.idp, finished.idToken);
    res.redirect(302, finished.returnTo);
  });
}
