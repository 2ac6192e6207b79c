// The browser's passkey ceremonies (JSON, called by /auth/assets/passkeys.js from the gateway's own pages):
// passwordless sign-in from the sign-in page (the challenge bound to this browser's gw_browser session), a passkey
// as the second step of a password sign-in (bound to the pending sign-in), and the signed-in person's factors page
// (list, add a passkey, remove a factor; bound to the gateway session, which must be younger than 10 minutes to
// change anything). Every POST must come from the gateway's own origin.
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { originOf } from '../audit/audit-log.js';
import { RECENT_SIGN_IN_MS } from '../auth/step-up.js';
import type { Deps } from '../deps.js';
import { notFound, permissionDenied, unauthenticated } from '../errors.js';
import { checkReturnUrl } from '../http/return-url.js';
import { rfc3339 } from '../http/timestamps.js';
import { parseInput } from '../http/validate.js';
import {
  authenticationResponseSchema,
  beginPasskeyAuthentication,
  beginPasskeyRegistration,
  finishPasskeyRegistration,
  passkeyNameSchema,
  registrationResponseSchema,
  removePasskey,
  verifyPasskeyAssertion,
} from '../mfa/passkeys.js';
import { finishSecondStep, requirePendingSignIn } from '../mfa/sign-in-step.js';
import { removeTotp } from '../mfa/totp-enrollment.js';
import { browserBinding, mfaBinding, sessionBinding } from '../mfa/webauthn-challenge.js';
import { findBrowserSession } from '../oidc-provider/account.js';
import { completeSignIn } from '../sessions/complete-sign-in.js';
import { revokeOtherSessions } from '../sessions/revoke-user-access.js';
import { amrOf } from '../sessions/sign-in-method.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { signInPageUrl } from './browser-errors.js';
import { renderFactorsPage } from './factors-page.js';
import { sendPage } from './html.js';
import { isCrossSite } from './signin-handlers.js';

export const passkeySignInBody = z.object({ response: authenticationResponseSchema, redirect: z.string().max(2048).optional() });
export const passkeyRegistrationBody = z.object({ name: passkeyNameSchema, response: registrationResponseSchema });
export const emptyBody = z.object({}).strict();

function requireOwnOrigin(deps: Deps, req: Request): void {
  if (isCrossSite(req, deps.config)) throw permissionDenied('this request was sent from another site', 'CROSS_SITE_REQUEST');
}

function browserSessionId(req: Request): string {
  if (!req.session || !req.sessionID) throw unauthenticated('no browser session: reload the sign-in page');
  return req.sessionID;
}

/** POST /auth/passkey/options: a discoverable-credential challenge for this browser. */
export function passkeySignInOptions(deps: Deps): RequestHandler {
  return async (req, res) => {
    requireOwnOrigin(deps, req);
    parseInput(emptyBody, req.body === undefined ? {} : req.body);
    const options = await beginPasskeyAuthentication(deps, { purpose: 'sign-in', userId: null, binding: browserBinding(browserSessionId(req)) });
    res.json({ options });
  };
}

/** POST /auth/passkey: the passkey alone signs the browser in (both cookies), then where to go. */
export function passkeySignIn(deps: Deps): RequestHandler {
  return async (req, res) => {
    requireOwnOrigin(deps, req);
    const body = parseInput(passkeySignInBody, req.body);
    const ceremony = { purpose: 'sign-in' as const, userId: null, binding: browserBinding(browserSessionId(req)) };
    const { user } = await verifyPasskeyAssertion(deps, ceremony, body.response as AuthenticationResponseJSON, originOf(req));
    delete req.session.pendingSignIn;
    await completeSignIn(deps, req, res, user, amrOf('passkey'));
    res.json({ redirect: checkReturnUrl(deps.config, body.redirect) ?? '/' });
  };
}

async function pendingOfBrowser(deps: Deps, req: Request) {
  const pending = req.session?.pendingSignIn;
  if (pending?.purpose !== 'verify') throw unauthenticated('no sign-in is waiting for a second factor in this browser');
  return { ...(await requirePendingSignIn(deps, pending.mfaToken)), mfaToken: pending.mfaToken, returnTo: pending.returnTo };
}

/** POST /auth/mfa/passkey/options: a challenge for the pending user's own passkeys. */
export function secondFactorPasskeyOptions(deps: Deps): RequestHandler {
  return async (req, res) => {
    requireOwnOrigin(deps, req);
    parseInput(emptyBody, req.body === undefined ? {} : req.body);
    const found = await pendingOfBrowser(deps, req);
    const options = await beginPasskeyAuthentication(deps, { purpose: 'second-factor', userId: found.user.id, binding: mfaBinding(found.mfaToken) });
    res.json({ options });
  };
}

/** POST /auth/mfa/passkey: the passkey finishes the pending password sign-in. */
export function secondFactorPasskey(deps: Deps): RequestHandler {
  return async (req, res) => {
    requireOwnOrigin(deps, req);
    const body = parseInput(passkeySignInBody, req.body);
    const found = await pendingOfBrowser(deps, req);
    const proof = { passkey: body.response as AuthenticationResponseJSON, binding: mfaBinding(found.mfaToken) };
    const { verified } = await finishSecondStep(deps, found.mfaToken, proof, originOf(req));
    delete req.session.pendingSignIn;
    await completeSignIn(deps, req, res, found.user, amrOf('pwd', verified?.method ?? 'passkey'));
    res.json({ redirect: found.returnTo });
  };
}

/** The signed-in browser (sso_session); for changes, a sign-in younger than 10 minutes (step-up). */
async function requireSignedIn(deps: Deps, req: Request, recent: boolean) {
  const browser = await findBrowserSession(deps, req.headers.cookie);
  if (!browser) throw unauthenticated('sign in first');
  if (recent && deps.clock.now().getTime() - browser.session.createdAt.getTime() >= RECENT_SIGN_IN_MS) {
    throw permissionDenied('changing second factors needs a sign-in within the last 10 minutes: sign in again', 'RECENT_SIGN_IN_REQUIRED');
  }
  return browser;
}

/** GET /auth/factors */
export function showFactorsPage(deps: Deps): RequestHandler {
  return async (req, res: Response) => {
    const browser = await findBrowserSession(deps, req.headers.cookie);
    if (!browser) return res.redirect(303, signInPageUrl('/auth/factors'));
    const [totp, passkeys, remaining] = await Promise.all([
      deps.store.secondFactors.findTotp(browser.user.id),
      deps.store.passkeys.listByUser(browser.user.id),
      deps.store.secondFactors.countUnusedRecoveryCodes(browser.user.id),
    ]);
    const body = renderFactorsPage({
      username: browser.user.username,
      totpEnabled: totp?.state === 'ACTIVE',
      passkeys: passkeys.map((p) => ({ id: p.id, name: p.name, createdAt: rfc3339(p.createdAt), lastUsedAt: p.lastUsedAt ? rfc3339(p.lastUsedAt) : null })),
      recoveryCodesRemaining: remaining,
    });
    sendPage(res, deps.config, 200, 'Second factors', body, { scripts: true });
  };
}

/** POST /auth/factors/passkeys/options */
export function passkeyRegistrationOptions(deps: Deps): RequestHandler {
  return async (req, res) => {
    requireOwnOrigin(deps, req);
    parseInput(emptyBody, req.body === undefined ? {} : req.body);
    const { user, session } = await requireSignedIn(deps, req, true);
    res.json({ options: await beginPasskeyRegistration(deps, user, sessionBinding(session.id)) });
  };
}

/** POST /auth/factors/passkeys: stores the new passkey; the first factor comes with recovery codes (once). */
export function registerPasskey(deps: Deps): RequestHandler {
  return async (req, res) => {
    requireOwnOrigin(deps, req);
    const body = parseInput(passkeyRegistrationBody, req.body);
    const { user, session } = await requireSignedIn(deps, req, true);
    const { recoveryCodes } = await finishPasskeyRegistration(deps, user, sessionBinding(session.id), body.name, body.response as RegistrationResponseJSON, originOf(req));
    res.json(recoveryCodes ? { recoveryCodes } : {});
  };
}

/** POST /auth/factors/passkeys/:passkeyId/delete: removes it and signs the person out everywhere else. */
export function deletePasskeyFromPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    requireOwnOrigin(deps, req);
    const { user, session } = await requireSignedIn(deps, req, true);
    const id = String(req.params.passkeyId ?? '');
    if (!/^[0-9]{1,15}$/.test(id)) throw notFound('passkey not found');
    await removePasskey(deps, user, Number(id), originOf(req));
    await revokeOtherSessions(deps, user.id, session.id);
    res.json({});
  };
}

/** POST /auth/factors/totp/delete */
export function deleteTotpFromPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    requireOwnOrigin(deps, req);
    const { user, session } = await requireSignedIn(deps, req, true);
    await removeTotp(deps, user, originOf(req));
    await revokeOtherSessions(deps, user.id, session.id);
    res.json({});
  };
}
