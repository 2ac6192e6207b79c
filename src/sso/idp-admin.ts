// Managing identity providers (Memos IdentityProviderService): create with an optional uid, masked update,
// delete. Deleting a provider also removes its account links, so a later provider with the same uid (perhaps
// another issuer) cannot sign into the old accounts (Memos keeps them: contract §4). Providers of the
// deployment's file (GATEWAY_IDP_FILE) can be read here but not created, changed or deleted (contract §1.4).
import type { Deps } from '../deps.js';
import { AppError, failedPrecondition, invalidArgument, notFound } from '../errors.js';
import { parseInput } from '../http/validate.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import type { IdentityProvider, IdentityProviderPatch } from './identity-provider.js';
import { identityProviderInput, oauth2ConfigInput, parseCreateBody, parseUpdateRequest } from './idp-input.js';
import { findIdpByUid, listIdps, requireApiManagedUid } from './idp-lookup.js';
import { checkGroupFilter, checkIdentifierFilter, checkOAuth2Config, checkTitle, throwIfViolations } from './idp-validation.js';
import { generateIdpUid, isValidIdpUid, requireValidUid } from './idp-uid.js';

export async function requireIdp(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'logger' | 'store'>, uid: string): Promise<IdentityProvider> {
  const idp = isValidIdpUid(uid) ? await findIdpByUid(deps, uid) : null;
  if (!idp) throw new AppError('NOT_FOUND', 'identity provider not found', { reason: 'PROVIDER_NOT_FOUND' });
  return idp;
}

export async function createIdentityProvider(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'logger' | 'store'>, body: unknown, requestedUid: string | undefined): Promise<IdentityProvider> {
  const uid = requireApiManagedUid(deps, requestedUid ? requireValidUid(requestedUid) : generateIdpUid());
  const input = parseCreateBody(body);
  const title = input.title.trim();
  const config = checkOAuth2Config(deps.config, input.config.oauth2Config, null);
  throwIfViolations([...checkTitle(title), ...checkIdentifierFilter(input.identifierFilter), ...checkGroupFilter(input.groupFilter), ...config.violations]);
  const idp = await deps.store.idps.create({
    uid,
    title,
    type: input.type,
    identifierFilter: input.identifierFilter,
    groupFilter: input.groupFilter,
    config: config.value,
    createdAt: deps.clock.now(),
  });
  deps.logger.info({ event: 'idp_created', idp: uid }, 'identity provider created');
  return idp;
}

export async function updateIdentityProvider(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'logger' | 'store'>, uid: string, body: unknown, queryMask: unknown): Promise<IdentityProvider> {
  requireApiManagedUid(deps, uid);
  const current = await requireIdp(deps, uid);
  const request = parseUpdateRequest(body, queryMask);
  if (request.paths.size === 0 && !request.maskGiven) throw invalidArgument('update_mask is required');
  const partial = identityProviderInput.pick({ title: true, identifierFilter: true, groupFilter: true }).partial();
  const fields = parseInput(partial, { title: request.resource.title, identifierFilter: request.resource.identifierFilter, groupFilter: request.resource.groupFilter });
  const patch: IdentityProviderPatch = {};
  const violations = [];
  if (request.paths.has('title')) {
    patch.title = (fields.title ?? '').trim();
    violations.push(...checkTitle(patch.title));
  }
  if (request.paths.has('identifierFilter')) {
    patch.identifierFilter = fields.identifierFilter ?? '';
    violations.push(...checkIdentifierFilter(patch.identifierFilter));
  }
  if (request.paths.has('groupFilter')) {
    patch.groupFilter = fields.groupFilter ?? '';
    violations.push(...checkGroupFilter(patch.groupFilter));
  }
  if (request.paths.has('config')) {
    const raw = (request.resource.config ?? {}) as Record<string, unknown>;
    const input = parseInput(oauth2ConfigInput, raw.oauth2Config ?? {}, 'config.oauth2Config');
    const config = checkOAuth2Config(deps.config, input, current.config);
    violations.push(...config.violations);
    patch.config = config.value;
  }
  throwIfViolations(violations);
  if (Object.keys(patch).length === 0) return current;
  const updated = await deps.store.idps.update(uid, patch, deps.clock.now());
  if (!updated) throw notFound('identity provider not found');
  deps.logger.info({ event: 'idp_updated', idp: uid, fields: Object.keys(patch) }, 'identity provider updated');
  return updated;
}

export async function deleteIdentityProvider(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'logger' | 'store'>, uid: string): Promise<void> {
  requireApiManagedUid(deps, uid);
  await requireIdp(deps, uid);
  const [general, all] = await Promise.all([getGeneralSetting(deps.store.settings), listIdps(deps)]);
  if (general.disallowPasswordAuth && all.length <= 1) {
    throw failedPrecondition('password authentication for regular users cannot be disabled without an effective identity provider');
  }
  const links = await deps.store.transaction(async (tx) => {
    if (!(await tx.idps.delete(uid))) throw notFound('identity provider not found');
    await tx.groups.deleteForProvider(uid);
    return tx.identities.deleteForProvider(uid);
  });
  deps.logger.info({ event: 'idp_deleted', idp: uid, links }, 'identity provider deleted');
}
