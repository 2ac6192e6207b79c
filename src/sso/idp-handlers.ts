// HTTP adapters for Memos' IdentityProviderService: list (public, no secrets), create/get/update/delete (admin).
// List and get include the deployment's file providers (idp-lookup.ts).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { parseInput } from '../http/validate.js';
import { createIdentityProvider, deleteIdentityProvider, requireIdp, updateIdentityProvider } from './idp-admin.js';
import { toIdentityProviderJson } from './idp-json.js';
import { listIdps } from './idp-lookup.js';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { findPrincipal } from '../auth/principal.js';

export const createQuery = z.object({ identityProviderId: z.string().max(64).optional() });

const uidOf = (params: Record<string, unknown>) => String(params.uid ?? '');

export function listIdentityProviders(deps: Deps): RequestHandler {
  return async (_req, res) => {
    const idps = await listIdps(deps);
    res.json({ identityProviders: idps.map(toIdentityProviderJson) });
  };
}

export function createIdentityProviderHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const query = parseInput(createQuery, req.query, 'query');
    const idp = await createIdentityProvider(deps, req.body, query.identityProviderId || undefined);
    await recordAudit(deps, 'idp.created', originOf(req), { actorUserId: findPrincipal(res)?.user.id ?? null, subject: idp.uid });
    res.json(toIdentityProviderJson(idp));
  };
}

export function getIdentityProvider(deps: Deps): RequestHandler {
  return async (req, res) => {
    res.json(toIdentityProviderJson(await requireIdp(deps, uidOf(req.params))));
  };
}

export function updateIdentityProviderHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const idp = await updateIdentityProvider(deps, uidOf(req.params), req.body, req.query.updateMask ?? req.query.update_mask);
    await recordAudit(deps, 'idp.updated', originOf(req), { actorUserId: findPrincipal(res)?.user.id ?? null, subject: idp.uid });
    res.json(toIdentityProviderJson(idp));
  };
}

export function deleteIdentityProviderHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    await deleteIdentityProvider(deps, uidOf(req.params));
    await recordAudit(deps, 'idp.deleted', originOf(req), { actorUserId: findPrincipal(res)?.user.id ?? null, subject: String(uidOf(req.params)) });
    res.json({});
  };
}
