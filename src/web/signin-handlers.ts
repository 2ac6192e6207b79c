// GET /auth (the sign-in page) and POST /auth/signin (its password form: the same password sign-in as the API,
// then both session cookies and a 303 to the checked return URL; failures return to the page with an error
// code, never with the error's text).
import type { Request, RequestHandler } from 'express';
import { originOf } from '../audit/audit-log.js';
import { completeSignIn } from '../sessions/complete-sign-in.js';
import { signInWithPassword } from '../auth/password-sign-in.js';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { checkReturnUrl } from '../http/return-url.js';
import { readDeviceCookie, rememberDevice } from '../http/device-cookie.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import { listIdps } from '../sso/idp-lookup.js';
import { signInPageUrl } from './browser-errors.js';
import { sendPage } from './html.js';
import { findPageErrorMessage, type PageError } from './messages.js';
import { renderSignInPage } from './signin-page.js';
import { beginSecondStep } from '../mfa/sign-in-step.js';
import { redirectToSecondStep } from './mfa-handlers.js';
import { SETUP_ERRORS, showSetupPage } from './console-setup.js';

export function showSignInPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    if ((await deps.store.users.count()) === 0) return showSetupPage(deps, res, req.query.error);
    const [general, idps] = await Promise.all([getGeneralSetting(deps.store.settings), listIdps(deps)]);
    const title = general.customProfile?.title ? `Sign in to ${general.customProfile.title}` : 'Sign in';
    const body = renderSignInPage({
      heading: title,
      providers: idps.map((idp) => ({ uid: idp.uid, title: idp.title })),
      passwordEnabled: !general.disallowPasswordAuth,
      returnTo: checkReturnUrl(deps.config, req.query.redirect) ?? '/',
      errorMessage: findPageErrorMessage(req.query.error) ?? (req.query.error === 'setup_done' ? SETUP_ERRORS.setup_done : null),
    });
    sendPage(res, deps.config, 200, title, body);
  };
}

/**
 * Login CSRF: a form posted from another site must not sign the browser in (to the attacker's account).
 * Browsers say where a request comes from with Sec-Fetch-Site, or else Origin; a client that sends neither is
 * not a browser and cannot be made to post by another site.
 */
export function isCrossSite(req: Request, config: Config): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = req.get('origin');
  return origin !== undefined && origin !== config.instanceOrigin;
}

function pageErrorFor(err: AppError): PageError | null {
  switch (err.code) {
    case 'UNAUTHENTICATED':
    case 'INVALID_ARGUMENT':
      return 'invalid_credentials';
    case 'PERMISSION_DENIED':
      if (err.reason === 'PASSWORD_SIGNIN_DISABLED') return 'password_disabled';
      return err.reason === 'USER_ARCHIVED' ? 'account_archived' : null;
    case 'RESOURCE_EXHAUSTED':
      return 'too_many_attempts';
    case 'UNAVAILABLE':
      return 'unavailable';
    default:
      return null;
  }
}

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

export function submitSignInForm(deps: Deps): RequestHandler {
  return async (req, res) => {
    const returnTo = checkReturnUrl(deps.config, field(req.body, 'redirect')) ?? '/';
    const back = (error: PageError) => res.redirect(303, signInPageUrl(returnTo, error));
    if (isCrossSite(req, deps.config)) return back('cross_site');
    const username = field(req.body, 'username');
    const password = field(req.body, 'password');
    if (username === '' || password === '') return back('missing_credentials');
    if (username.length > 256 || password.length > 1024) return back('invalid_credentials');
    let user;
    try {
      user = await signInWithPassword(deps, username, password, originOf(req), { deviceToken: readDeviceCookie(req) });
    } catch (err) {
      const code = err instanceof AppError ? pageErrorFor(err) : null;
      if (code === null) throw err;
      return back(code);
    }
    // A second factor (or an enrolment the policy requires) comes before any session cookie (web/mfa-handlers.ts).
    const step = await beginSecondStep(deps, user);
    if (step.kind !== 'none') return redirectToSecondStep(req, res, step, returnTo);
    await completeSignIn(deps, req, res, user);
    await rememberDevice(deps, req, res, user.id);
    res.redirect(303, returnTo);
  };
}
