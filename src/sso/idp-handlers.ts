// HTTP adapters for Memos' IdentityProviderService: list (public, no secrets), create/get/update/delete (admin).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { parseInput } from '../http/validate.js';
import { createIdentityProvider, deleteIdentityProvider, requireIdp, updateIdentityProvider } from './idp-admin.js';
import { toIdentityProviderJson } from './idp-json.js';

const createQuery = z.object({ identityProviderId: z.string().max(64).optional() });

const uidOf = (params: Record<string, unknown>) => String(params.uid ?? '');

export function listIdentityProviders(deps: Deps): RequestHandler {
  return async (_req, res) => {
    const idps = await deps.store.idps.list();
    res.json({ identityProviders: idps.map(toIdentityProviderJson) });
  };
}

export function createIdentityProviderHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const query = parseInput(createQuery, req.query, 'query');
    const idp = await createIdentityProvider(deps, req.body, query.identityProviderId || undefined);
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
    res.json(toIdentityProviderJson(idp));
  };
}

export function deleteIdentityProviderHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    await deleteIdentityProvider(deps, uidOf(req.params));
    res.json({});
  };
}
