// HTTP adapters for Memos' linked identities: GET/POST /api/v1/users/{user}/linkedIdentities and GET/DELETE
// …/linkedIdentities/{idpUid}. POST runs the `ssoCredentials` code exchange (the client ran the flow itself).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import { requireTarget } from '../http/route-access.js';
import { parseInput } from '../http/validate.js';
import type { User } from '../users/user.js';
import { linkIdentityToUser, listLinkedIdentities, requireLinkedIdentity, unlinkIdentity } from './linked-identities.js';
import { exchangeForProfile, findIdpByReference } from './sso-credentials.js';
import type { UserIdentity } from './user-identity.js';

export const createLinkedIdentityBody = z.strictObject({
  idpName: z.string().max(300),
  code: z.string().min(1).max(4096),
  redirectUri: z.string().max(4096),
  codeVerifier: z.string().max(128).optional(),
});

export function toLinkedIdentityJson(user: User, link: UserIdentity) {
  return { name: `users/${user.username}/linkedIdentities/${link.provider}`, idpName: `identity-providers/${link.provider}`, externUid: link.externUid };
}

function idpUidOf(value: unknown): string {
  const uid = String(value ?? '');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(uid)) throw invalidArgument('invalid identity provider id');
  return uid;
}

export function listLinkedIdentitiesHandler(deps: Deps): RequestHandler {
  return async (_req, res) => {
    const target = requireTarget(res);
    const links = await listLinkedIdentities(deps, target.id);
    res.json({ linkedIdentities: links.map((l) => toLinkedIdentityJson(target, l)), nextPageToken: '' });
  };
}

export function getLinkedIdentityHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const target = requireTarget(res);
    res.json(toLinkedIdentityJson(target, await requireLinkedIdentity(deps, target.id, idpUidOf(req.params.idpUid))));
  };
}

export function createLinkedIdentityHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const body = parseInput(createLinkedIdentityBody, req.body);
    const target = requireTarget(res);
    const idp = await findIdpByReference(deps, { idpName: body.idpName, code: body.code, redirectUri: body.redirectUri });
    if (!idp) throw invalidArgument('identity provider not found', [], 'PROVIDER_NOT_FOUND');
    const profile = await exchangeForProfile(deps, idp, { code: body.code, redirectUri: body.redirectUri, codeVerifier: body.codeVerifier });
    await linkIdentityToUser(deps, idp, profile, target.id);
    await recordAudit(deps, 'identity.linked', originOf(req), { actorUserId: requirePrincipal(res).user.id, subjectUserId: target.id, subject: idp.uid });
    res.json(toLinkedIdentityJson(target, await requireLinkedIdentity(deps, target.id, idp.uid)));
  };
}

export function deleteLinkedIdentityHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const target = requireTarget(res);
    const uid = idpUidOf(req.params.idpUid);
    await unlinkIdentity(deps, target, uid);
    await recordAudit(deps, 'identity.unlinked', originOf(req), { actorUserId: requirePrincipal(res).user.id, subjectUserId: target.id, subject: uid });
    res.json({});
  };
}
