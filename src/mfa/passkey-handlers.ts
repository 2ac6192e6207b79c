// HTTP adapters for passkeys on the JSON API: registration (options, then the new credential) and removal for the
// signed-in user (step-up: an interactive sign-in younger than 10 minutes, never a PAT), and the challenge for a
// passkey sign-in (POST /api/v1/auth/passkey:options; with an mfaToken, for the second step). The assertion itself
// goes to POST /api/v1/auth/signin as passkeyCredentials or secondFactorCredentials.passkey.
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { originOf } from '../audit/audit-log.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { notFound, unauthenticated } from '../errors.js';
import { rfc3339 } from '../http/timestamps.js';
import { noParameters, parseInput } from '../http/validate.js';
import { revokeOtherSessions } from '../sessions/revoke-user-access.js';
import { requireRecentSignIn } from './mfa-handlers.js';
import type { PasskeyRecord } from './passkey.js';
import { beginPasskeyAuthentication, beginPasskeyRegistration, finishPasskeyRegistration, passkeyNameSchema, registrationResponseSchema, removePasskey } from './passkeys.js';
import { requirePendingSignIn } from './sign-in-step.js';
import { API_PASSKEY_BINDING, mfaBinding } from './webauthn-challenge.js';

export const passkeyOptionsBody = z.object({ mfaToken: z.string().min(1).max(128).optional() }).strict();
export const createPasskeyBody = z.object({ name: passkeyNameSchema, response: registrationResponseSchema });

export function toPasskeyJson(p: PasskeyRecord) {
  return {
    name: `users/${p.userId}/passkeys/${p.id}`,
    displayName: p.name,
    createTime: rfc3339(p.createdAt),
    ...(p.lastUsedAt ? { lastUsedTime: rfc3339(p.lastUsedAt) } : {}),
  };
}

/** A registration challenge is bound to the user and the session asking (or `pat`-less access-token caller). */
const registrationBinding = (userId: number, sessionId: string | undefined) => `api-user:${userId}:${sessionId ?? '-'}`;

export function passkeyRegistrationOptionsHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const user = requireRecentSignIn(deps, res);
    parseInput(noParameters, req.body);
    res.json({ options: await beginPasskeyRegistration(deps, user, registrationBinding(user.id, requirePrincipal(res).session?.id)) });
  };
}

export function createPasskeyHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const user = requireRecentSignIn(deps, res);
    const body = parseInput(createPasskeyBody, req.body);
    const binding = registrationBinding(user.id, requirePrincipal(res).session?.id);
    const { passkey, recoveryCodes } = await finishPasskeyRegistration(deps, user, binding, body.name, body.response as RegistrationResponseJSON, originOf(req));
    res.json({ passkey: toPasskeyJson(passkey), ...(recoveryCodes ? { recoveryCodes } : {}) });
  };
}

export function deletePasskeyHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const user = requireRecentSignIn(deps, res);
    const id = String(req.params.passkeyId ?? '');
    if (!/^[0-9]{1,15}$/.test(id)) throw notFound('passkey not found');
    await removePasskey(deps, user, Number(id), originOf(req));
    await revokeOtherSessions(deps, user.id, requirePrincipal(res).session?.id);
    res.json({});
  };
}

/** POST /api/v1/auth/passkey:options: a sign-in challenge (any discoverable passkey), or the pending user's own. */
export function passkeyAuthenticationOptionsHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const { mfaToken } = parseInput(passkeyOptionsBody, req.body === undefined ? {} : req.body);
    if (mfaToken === undefined) {
      res.json({ options: await beginPasskeyAuthentication(deps, { purpose: 'sign-in', userId: null, binding: API_PASSKEY_BINDING }) });
      return;
    }
    const { pending, user } = await requirePendingSignIn(deps, mfaToken);
    if (pending.purpose !== 'verify') throw unauthenticated('invalid or expired mfaToken');
    res.json({ options: await beginPasskeyAuthentication(deps, { purpose: 'second-factor', userId: user.id, binding: mfaBinding(mfaToken) }) });
  };
}
