// HTTP adapters for second factors: TOTP enrolment, confirmation and removal, the factor list, recovery codes,
// an admin's reset, and enrolment during a sign-in the policy holds back (with the sign-in's mfaToken).
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { originOf } from '../audit/audit-log.js';
import { requirePrincipal } from '../auth/principal.js';
import { RECENT_SIGN_IN_MS } from '../auth/step-up.js';
import type { Deps } from '../deps.js';
import { notFound, permissionDenied, unauthenticated } from '../errors.js';
import { requireTarget } from '../http/route-access.js';
import { revokeUserSessions } from '../sessions/session-lifecycle.js';
import { rfc3339 } from '../http/timestamps.js';
import { noParameters, parseInput } from '../http/validate.js';
import type { User } from '../users/user.js';
import { revokeOtherSessions } from '../sessions/revoke-user-access.js';
import { markEnrolled } from './pending-sign-in.js';
import { toPasskeyJson } from './passkey-handlers.js';
import { requirePendingSignIn } from './sign-in-step.js';
import {
  beginTotpEnrollment,
  confirmTotpEnrollment,
  regenerateRecoveryCodes,
  removeTotp,
  resetSecondFactors,
} from './totp-enrollment.js';

export const confirmTotpBody = z.object({ code: z.string().min(1).max(16) });
export const enrollmentBody = z.object({ mfaToken: z.string().min(1).max(128) });
export const enrollmentConfirmBody = z.object({ mfaToken: z.string().min(1).max(128), code: z.string().min(1).max(16) });

/**
 * Step-up for changing factors: an interactive sign-in (the route's access level already refuses personal
 * access tokens) younger than 10 minutes. No password alternative: a password alone must not move a factor.
 */
export function requireRecentSignIn(deps: Deps, res: Response): User {
  const principal = requirePrincipal(res);
  if (principal.via !== 'access-token') throw permissionDenied('changing second factors needs an interactive sign-in, not a personal access token');
  const session = principal.session;
  if (!session || deps.clock.now().getTime() - session.createdAt.getTime() >= RECENT_SIGN_IN_MS) {
    throw permissionDenied('changing second factors needs a sign-in within the last 10 minutes: sign in again', 'RECENT_SIGN_IN_REQUIRED');
  }
  return principal.user;
}

export function startTotpEnrollment(deps: Deps): RequestHandler {
  return async (req, res) => {
    const user = requireRecentSignIn(deps, res);
    parseInput(noParameters, req.body);
    res.json(await beginTotpEnrollment(deps, user));
  };
}

export function confirmTotp(deps: Deps): RequestHandler {
  return async (req, res) => {
    const user = requireRecentSignIn(deps, res);
    const { code } = parseInput(confirmTotpBody, req.body);
    const { recoveryCodes } = await confirmTotpEnrollment(deps, user, code, originOf(req));
    res.json(recoveryCodes ? { recoveryCodes } : {});
  };
}

export function deleteTotp(deps: Deps): RequestHandler {
  return async (req, res) => {
    const user = requireRecentSignIn(deps, res);
    await removeTotp(deps, user, originOf(req));
    await revokeOtherSessions(deps, user.id, requirePrincipal(res).session?.id);
    res.json({});
  };
}

export function regenerateRecoveryCodesHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const user = requireRecentSignIn(deps, res);
    parseInput(noParameters, req.body);
    res.json({ recoveryCodes: await regenerateRecoveryCodes(deps, user, originOf(req)) });
  };
}

export function listSecondFactors(deps: Deps): RequestHandler {
  return async (_req, res) => {
    const target = requireTarget(res);
    const [totp, remaining, passkeys] = await Promise.all([
      deps.store.secondFactors.findTotp(target.id),
      deps.store.secondFactors.countUnusedRecoveryCodes(target.id),
      deps.store.passkeys.listByUser(target.id),
    ]);
    const active = totp?.state === 'ACTIVE';
    res.json({
      totp: active ? { enabled: true, createTime: rfc3339(totp.confirmedAt ?? totp.createdAt) } : { enabled: false },
      passkeys: passkeys.map(toPasskeyJson),
      recoveryCodesRemaining: remaining,
    });
  };
}

export function resetSecondFactorsHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const admin = requirePrincipal(res).user;
    // The `admin` access level does not resolve {user}: a numeric id, a username, or `me`.
    const ref = String(req.params.user ?? '');
    const target = ref === 'me' ? admin : /^[0-9]{1,15}$/.test(ref) ? await deps.store.users.findById(Number(ref)) : await deps.store.users.findByUsername(ref.slice(0, 64));
    if (!target) throw notFound('user not found');
    await resetSecondFactors(deps, admin, target, originOf(req));
    // As after removing a factor oneself: the target's sessions end (the admin's own current one stays).
    await revokeUserSessions(deps, target.id, target.id === admin.id ? requirePrincipal(res).session?.id : undefined);
    res.json({});
  };
}

/** POST /api/v1/auth/enrollment/totp: a sign-in held back for enrolment starts a TOTP with its mfaToken. */
export function startEnrollmentTotp(deps: Deps): RequestHandler {
  return async (req, res) => {
    const { mfaToken } = parseInput(enrollmentBody, req.body);
    const { pending, user } = await requirePendingSignIn(deps, mfaToken);
    if (pending.purpose !== 'enroll' || pending.enrolled) throw unauthenticated('invalid or expired mfaToken');
    res.json(await beginTotpEnrollment(deps, user));
  };
}

/** …/totp:confirm: the confirming code is the second factor; the mfaToken then finishes the sign-in alone. */
export function confirmEnrollmentTotp(deps: Deps): RequestHandler {
  return async (req, res) => {
    const { mfaToken, code } = parseInput(enrollmentConfirmBody, req.body);
    const { pending, user } = await requirePendingSignIn(deps, mfaToken);
    if (pending.purpose !== 'enroll' || pending.enrolled) throw unauthenticated('invalid or expired mfaToken');
    const { recoveryCodes } = await confirmTotpEnrollment(deps, user, code, originOf(req));
    await markEnrolled(deps, mfaToken, pending);
    res.json(recoveryCodes ? { recoveryCodes } : {});
  };
}
