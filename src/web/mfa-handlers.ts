// The browser's second step: after the password form, a user with a factor (or one the policy requires) is sent
// to /auth/mfa (or /auth/mfa/enroll) instead of being signed in. The pending sign-in's mfaToken lives only in the
// server-side browser session (gw_browser), never in a URL or a readable cookie; the session cookie is
// SameSite=Lax and every form post is checked for a cross-site origin. Failures return with a fixed code.
import type { Request, RequestHandler, Response } from 'express';
import { originOf } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { markEnrolled } from '../mfa/pending-sign-in.js';
import { listSecondFactorMethods } from '../mfa/second-factor-policy.js';
import { finishSecondStep, requirePendingSignIn, type SecondStep } from '../mfa/sign-in-step.js';
import { beginTotpEnrollment, confirmTotpEnrollment } from '../mfa/totp-enrollment.js';
import { completeSignIn } from '../sessions/complete-sign-in.js';
import { amrOf } from '../sessions/sign-in-method.js';
import { signInPageUrl } from './browser-errors.js';
import { isCrossSite } from './signin-handlers.js';
import { sendPage } from './html.js';
import { mfaPageErrorMessage, renderEnrollmentPage, renderRecoveryCodesPage, renderSecondFactorPage, type MfaPageError } from './mfa-pages.js';
import { renderQrSvg } from './qr-code.js';

declare module 'express-session' {
  interface SessionData {
    /** A password sign-in waiting for its second factor (or enrolment): its mfaToken and where to go after. */
    pendingSignIn?: { mfaToken: string; returnTo: string; purpose: 'verify' | 'enroll' };
  }
}

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/** Called by the password form when a second step follows: remembers it and sends the browser on. */
export function redirectToSecondStep(req: Request, res: Response, step: Exclude<SecondStep, { kind: 'none' }>, returnTo: string): void {
  req.session.pendingSignIn = { mfaToken: step.mfaToken, returnTo, purpose: step.kind };
  res.redirect(303, step.kind === 'verify' ? '/auth/mfa' : '/auth/mfa/enroll');
}

/** The pending sign-in of this browser, still live; otherwise the browser goes back to the sign-in page. */
async function pendingOf(deps: Deps, req: Request, res: Response, purpose: 'verify' | 'enroll') {
  const pending = req.session.pendingSignIn;
  if (pending?.purpose === purpose) {
    try {
      return { ...(await requirePendingSignIn(deps, pending.mfaToken)), mfaToken: pending.mfaToken, returnTo: pending.returnTo };
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'UNAUTHENTICATED')) throw err;
    }
  }
  delete req.session.pendingSignIn;
  res.redirect(303, signInPageUrl(pending?.returnTo ?? null, 'session_expired'));
  return null;
}

function mfaErrorFor(err: unknown): MfaPageError | null {
  if (!(err instanceof AppError)) return null;
  if (err.code === 'RESOURCE_EXHAUSTED') return 'too_many_attempts';
  if (err.code === 'UNAUTHENTICATED' || err.code === 'INVALID_ARGUMENT') return 'invalid_code';
  return null;
}

export function showSecondFactorPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const found = await pendingOf(deps, req, res, 'verify');
    if (!found) return;
    const methods = await listSecondFactorMethods(deps, found.user.id);
    sendPage(res, deps.config, 200, 'Two-step verification', renderSecondFactorPage({ methods, errorMessage: mfaPageErrorMessage(req.query.error) }), { scripts: methods.includes('PASSKEY') });
  };
}

export function submitSecondFactorForm(deps: Deps): RequestHandler {
  return async (req, res) => {
    const back = (error: MfaPageError) => res.redirect(303, `/auth/mfa?error=${error}`);
    if (isCrossSite(req, deps.config)) return back('cross_site');
    const totpCode = field(req.body, 'totpCode').slice(0, 16);
    const recoveryCode = field(req.body, 'recoveryCode').slice(0, 64);
    if ((totpCode === '') === (recoveryCode === '')) return back('missing_code');
    const found = await pendingOf(deps, req, res, 'verify');
    if (!found) return;
    let verified;
    let firstFactor: 'pwd' | 'fed' = 'pwd';
    try {
      ({ verified, firstFactor } = await finishSecondStep(deps, found.mfaToken, totpCode ? { totpCode } : { recoveryCode }, originOf(req)));
    } catch (err) {
      const code = mfaErrorFor(err);
      if (code === null) throw err;
      return back(code);
    }
    delete req.session.pendingSignIn;
    await completeSignIn(deps, req, res, found.user, amrOf(firstFactor, verified?.method ?? null));
    res.redirect(303, found.returnTo);
  };
}

export function showEnrollmentPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const found = await pendingOf(deps, req, res, 'enroll');
    if (!found) return;
    // Each visit starts a fresh pending secret (it replaces the earlier one): only this page's code confirms.
    const totp = await beginTotpEnrollment(deps, found.user);
    const qrSvg = await renderQrSvg(totp.otpauthUri);
    sendPage(res, deps.config, 200, 'Set up two-step verification', renderEnrollmentPage({ ...totp, qrSvg, errorMessage: mfaPageErrorMessage(req.query.error) }));
  };
}

export function submitEnrollmentForm(deps: Deps): RequestHandler {
  return async (req, res) => {
    if (isCrossSite(req, deps.config)) return res.redirect(303, '/auth/mfa/enroll?error=cross_site');
    const code = field(req.body, 'code').slice(0, 16);
    const found = await pendingOf(deps, req, res, 'enroll');
    if (!found) return;
    let recoveryCodes: string[] | null;
    try {
      ({ recoveryCodes } = await confirmTotpEnrollment(deps, found.user, code, originOf(req)));
    } catch (err) {
      if (err instanceof AppError && err.code === 'RESOURCE_EXHAUSTED') return res.redirect(303, '/auth/mfa/enroll?error=too_many_attempts');
      // A wrong code shows a new secret: the old one was on screen next to the form that failed.
      if (err instanceof AppError && (err.code === 'INVALID_ARGUMENT' || err.code === 'FAILED_PRECONDITION')) {
        return res.redirect(303, '/auth/mfa/enroll?error=invalid_code');
      }
      throw err;
    }
    await markEnrolled(deps, found.mfaToken, found.pending);
    const { user, firstFactor } = await finishSecondStep(deps, found.mfaToken, null, originOf(req));
    delete req.session.pendingSignIn;
    await completeSignIn(deps, req, res, user, amrOf(firstFactor, 'totp'));
    sendPage(res, deps.config, 200, 'Save your recovery codes', renderRecoveryCodesPage({ codes: recoveryCodes ?? [], continueTo: found.returnTo }));
  };
}
