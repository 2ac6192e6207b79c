// HTTP adapters for /api/v1/oidc-clients (admin): list, create, get, patch (updateMask), delete, and
// POST /api/v1/oidc-clients/{clientId}:regenerateSecret. The secret appears only in the create and regenerate
// answers; no other answer, log line or audit row holds it.
import type { RequestHandler, Response } from 'express';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { findPrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { notFound } from '../errors.js';
import { rfc3339 } from '../http/timestamps.js';
import { createClient, deleteClient, regenerateClientSecret, requireClient, updateClient } from './client-admin.js';
import type { OidcClient } from './oidc-storage.js';
import { isDeploymentClient, listAllOidcClients } from './client-lookup.js';
import { listUserConsents, revokeUserConsent } from './consents.js';
import { requireTarget } from '../http/route-access.js';
import { noParameters, parseInput } from '../http/validate.js';

export function toOidcClientJson(c: OidcClient, managedBy: 'API' | 'DEPLOYMENT' = 'API') {
  return {
    name: `oidc-clients/${c.clientId}`,
    clientId: c.clientId,
    displayName: c.displayName,
    redirectUris: c.redirectUris,
    postLogoutRedirectUris: c.postLogoutRedirectUris,
    public: c.public,
    requirePkce: c.requirePkce,
    consent: c.consent,
    allowedRoles: c.allowedRoles,
    allowedUsers: c.allowedUsers,
    allowedGroups: c.allowedGroups,
    backchannelLogoutUri: c.backchannelLogoutUri,
    refreshTokens: c.refreshTokens,
    idTokenSignedResponseAlg: c.idTokenSignedResponseAlg,
    subjectType: c.subjectType,
    grantTypes: c.grantTypes,
    tokenLifetimes: c.tokenLifetimes,
    managedBy,
    createTime: rfc3339(c.createdAt),
    updateTime: rfc3339(c.updatedAt),
  };
}

const clientIdOf = (params: Record<string, unknown>) => String(params.clientId ?? '');
const actor = (res: Response) => findPrincipal(res)?.user.id ?? null;

export function listOidcClients(deps: Deps): RequestHandler {
  return async (_req, res) => {
    res.json({ clients: (await listAllOidcClients(deps)).map(({ client, managedBy }) => toOidcClientJson(client, managedBy)) });
  };
}

export function createOidcClientHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const { client, secret } = await createClient(deps, req.body);
    await recordAudit(deps, 'oidc_client.created', originOf(req), { actorUserId: actor(res), subject: client.clientId });
    res.json({ client: toOidcClientJson(client), ...(secret === null ? {} : { clientSecret: secret }) });
  };
}

export function getOidcClient(deps: Deps): RequestHandler {
  return async (req, res) => {
    const clientId = clientIdOf(req.params);
    res.json(toOidcClientJson(await requireClient(deps, clientId), isDeploymentClient(deps, clientId) ? 'DEPLOYMENT' : 'API'));
  };
}

export function patchOidcClientHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const client = await updateClient(deps, clientIdOf(req.params), req.body, req.query);
    await recordAudit(deps, 'oidc_client.updated', originOf(req), { actorUserId: actor(res), subject: client.clientId });
    res.json(toOidcClientJson(client));
  };
}

export function deleteOidcClientHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    await deleteClient(deps, clientIdOf(req.params));
    await recordAudit(deps, 'oidc_client.deleted', originOf(req), { actorUserId: actor(res), subject: clientIdOf(req.params) });
    res.json({});
  };
}

/** POST /api/v1/oidc-clients/{clientId}:regenerateSecret (Google's custom-method style, as Memos uses). */
export function oidcClientActionHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    parseInput(noParameters, req.body);
    const match = /^(.+):regenerateSecret$/.exec(String(req.params.clientAction ?? ''));
    if (!match) throw notFound('unknown oidc client action');
    const secret = await regenerateClientSecret(deps, match[1]!);
    await recordAudit(deps, 'oidc_client.updated', originOf(req), { actorUserId: actor(res), subject: match[1]!, detail: { secret: 'regenerated' } });
    res.json({ clientSecret: secret });
  };
}

const consentName = (userId: number, clientId: string) => `users/${userId}/oidcConsents/${clientId}`;

/** GET /api/v1/users/{user}/oidcConsents: the apps the user let sign them in (self or admin). */
export function listOidcConsentsHandler(deps: Deps): RequestHandler {
  return async (_req, res) => {
    const target = requireTarget(res);
    const consents = await listUserConsents(deps, target.id);
    res.json({
      consents: consents.map((c) => ({
        name: consentName(target.id, c.clientId),
        clientId: c.clientId,
        clientDisplayName: c.clientDisplayName,
        scopes: c.scopes,
        remembered: c.remembered,
        activeGrants: c.grantCount,
        createTime: c.createTime === null ? null : rfc3339(c.createTime),
      })),
    });
  };
}

/** DELETE /api/v1/users/{user}/oidcConsents/{clientId}: the app must ask again; its tokens stop working now. */
export function revokeOidcConsentHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const target = requireTarget(res);
    const clientId = clientIdOf(req.params);
    const { grantsRevoked } = await revokeUserConsent(deps, target.id, clientId);
    await recordAudit(deps, 'oidc.consent_revoked', originOf(req), { actorUserId: actor(res), subjectUserId: target.id, subject: clientId, detail: { grantsRevoked } });
    res.json({});
  };
}
