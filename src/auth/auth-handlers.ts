// HTTP adapters for Memos' AuthService: sign-in, refresh, sign-out, current user.
import { originOf, recordAudit } from '../audit/audit-log.js';
import { rfc3339 } from '../http/timestamps.js';
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError, invalidArgument, unauthenticated } from '../errors.js';
import { clearSessionCookies, readCookie, REFRESH_COOKIE, setRefreshCookie, SSO_COOKIE } from '../http/cookies.js';
import { readDeviceCookie, rememberDevice } from '../http/device-cookie.js';
import { parseInput } from '../http/validate.js';
import { signInWithSsoCredentials } from '../sso/sso-credentials.js';
import { completeSignIn } from '../sessions/complete-sign-in.js';
import type { User } from '../users/user.js';
import { toUserJson } from '../users/user-json.js';
import { signInWithPassword } from './password-sign-in.js';
import { beginSecondStep, beginSsoSecondStep, finishSecondStep, secondStepError } from '../mfa/sign-in-step.js';
import { proofFrom } from '../mfa/verify-second-factor.js';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { authenticationResponseSchema, verifyPasskeyAssertion } from '../mfa/passkeys.js';
import { API_PASSKEY_BINDING, mfaBinding } from '../mfa/webauthn-challenge.js';
import { amrOf } from '../sessions/sign-in-method.js';
import { findPrincipal, requirePrincipal } from './principal.js';
import {
  findSessionIdOfRefreshToken,
  findSessionIdOfSsoToken,
  revokeSessions,
  rotateRefreshToken,
} from '../sessions/session-lifecycle.js';

export const signInSchema = z.object({
  passwordCredentials: z
    .object({ username: z.string().min(1).max(256), password: z.string().max(1024) })
    .optional(),
  ssoCredentials: z
    .object({
      idpName: z.string().max(300).optional(),
      idpId: z.union([z.string().max(64), z.number().int()]).optional(),
      code: z.string().min(1).max(4096),
      redirectUri: z.string().min(1).max(2048),
      codeVerifier: z.string().max(256).optional(),
    })
    .optional(),
  /** The second step of a password sign-in (mfa/): the mfaToken of its 401 and one factor. */
  secondFactorCredentials: z
    .object({
      mfaToken: z.string().min(1).max(128),
      totpCode: z.string().max(16).optional(),
      recoveryCode: z.string().max(64).optional(),
      /** A passkey assertion (navigator.credentials.get, as JSON) for POST /api/v1/auth/passkey:options' challenge. */
      passkey: authenticationResponseSchema.optional(),
    })
    .optional(),
  /** A passwordless sign-in with a discoverable passkey (mfa/passkeys.ts). */
  passkeyCredentials: z.object({ response: authenticationResponseSchema }).optional(),
});

export function signIn(deps: Deps): RequestHandler {
  return async (req, res) => {
    const body = parseInput(signInSchema, req.body);
    let user: User;
    let recoveryCodesRemaining: number | undefined;
    let amr = amrOf(body.ssoCredentials ? 'fed' : 'pwd');
    if (body.passwordCredentials) {
      const { username, password } = body.passwordCredentials;
      user = await signInWithPassword(deps, username, password, originOf(req), { deviceToken: readDeviceCookie(req) });
      // A second factor (or an enrolment the policy requires) comes before any session, cookie or token.
      const step = await beginSecondStep(deps, user);
      if (step.kind !== 'none') throw secondStepError(step);
    } else if (body.secondFactorCredentials) {
      const { mfaToken, totpCode, recoveryCode, passkey } = body.secondFactorCredentials;
      const proof = passkey !== undefined
        ? (totpCode === undefined && recoveryCode === undefined ? { passkey: passkey as AuthenticationResponseJSON, binding: mfaBinding(mfaToken) } : proofFrom({}))
        : totpCode === undefined && recoveryCode === undefined ? null : proofFrom({ totpCode, recoveryCode });
      const finished = await finishSecondStep(deps, mfaToken, proof, originOf(req));
      user = finished.user;
      amr = amrOf(finished.firstFactor, finished.verified?.method ?? null);
      if (finished.verified?.method === 'recovery_code') recoveryCodesRemaining = finished.verified.recoveryCodesRemaining;
    } else if (body.passkeyCredentials) {
      ({ user } = await verifyPasskeyAssertion(deps, { purpose: 'sign-in', userId: null, binding: API_PASSKEY_BINDING }, body.passkeyCredentials.response as AuthenticationResponseJSON, originOf(req)));
      amr = amrOf('passkey');
    } else if (body.ssoCredentials) {
      const signedIn = await signInWithSsoCredentials(deps, body.ssoCredentials, originOf(req));
      user = signedIn.user;
      // A provider with requireSecondFactor: the same 401 SECOND_FACTOR_REQUIRED (or enrolment) step as a password.
      if (signedIn.idp.config.requireSecondFactor === true) throw secondStepError(await beginSsoSecondStep(deps, user));
    } else {
      throw invalidArgument('invalid credentials');
    }
    const session = await completeSignIn(deps, req, res, user, amr);
    // A password sign-in (with its second factor, if any) marks this client as the owner's device (spared the
    // per-account lock next time).
    if (amr[0] === 'pwd') await rememberDevice(deps, req, res, user.id);
    res.json({
      user: toUserJson(user, user),
      accessToken: session.accessToken,
      accessTokenExpiresAt: rfc3339(session.accessTokenExpiresAt),
      ...(recoveryCodesRemaining === undefined ? {} : { recoveryCodesRemaining }),
    });
  };
}

export function refresh(deps: Deps): RequestHandler {
  return async (req, res) => {
    const token = readCookie(req, REFRESH_COOKIE);
    if (!token) throw unauthenticated('refresh token not found');
    await deps.regulation.assertTokenAttemptAllowed(req.ip).catch((err: unknown) => {
      deps.metrics.refresh('banned');
      throw err;
    });
    const rotated = await rotateRefreshToken(deps, token).catch(async (err: unknown) => {
      if (err instanceof AppError && err.code === 'UNAUTHENTICATED') await deps.regulation.recordTokenFailure(req.ip);
      throw err;
    });
    setRefreshCookie(res, req, deps.config, rotated.refreshToken, rotated.refreshTokenExpiresAt);
    res.json({ accessToken: rotated.accessToken, expiresAt: rfc3339(rotated.accessTokenExpiresAt) });
  };
}

/**
 * Ends the session named by the refresh cookie (alone enough, as in Memos' docs) or the sso_session cookie,
 * and always clears both cookies. With only a bearer there is no session to name: the cookies are cleared.
 */
export function signOut(deps: Deps): RequestHandler {
  return async (req, res) => {
    await endThisSignIn(deps, req, res);
    res.json({});
  };
}

/** Revokes the session(s) the request's cookies name and clears them; their ids (401 when it names none). */
export async function endThisSignIn(deps: Deps, req: Request, res: Response): Promise<string[]> {
  const refreshToken = readCookie(req, REFRESH_COOKIE);
  const ssoToken = readCookie(req, SSO_COOKIE);
  const ids = new Set<string>();
  if (refreshToken) {
    const id = await findSessionIdOfRefreshToken(deps, refreshToken);
    if (id) ids.add(id);
  }
  if (ssoToken) {
    const id = await findSessionIdOfSsoToken(deps, ssoToken);
    if (id) ids.add(id);
  }
  clearSessionCookies(res, req, deps.config);
  if (ids.size === 0 && !findPrincipal(res)) throw unauthenticated('user not authenticated');
  await revokeSessions(deps, [...ids]);
  deps.logger.info({ event: 'signout', sessionIds: [...ids] }, 'signed out');
  await recordAudit(deps, 'signout', originOf(req), { actorUserId: findPrincipal(res)?.user.id ?? null, detail: { sessions: ids.size } });
  return [...ids];
}

export function currentUser(): RequestHandler {
  return async (_req, res) => {
    const { user } = requirePrincipal(res);
    res.json({ user: toUserJson(user, user) });
  };
}
