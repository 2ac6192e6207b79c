// Managing relying parties: create (a generated id unless one is given; the secret is returned once and only
// its SHA-256 is kept), masked update, delete (its grants and tokens go with it), secret regeneration. Every
// change is checked by oidc-provider's own client schema before it is stored, and takes effect on every
// replica at once (clients are read from the database per request).
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../auth/secrets.js';
import type { Deps } from '../deps.js';
import { AppError, invalidArgument, notFound } from '../errors.js';
import { parseInput } from '../http/validate.js';
import { clientMetadata } from './client-metadata.js';
import { CLIENT_ID_PATTERN, clientFromInput, clientRuleViolations, createClientBody, patchClientBody, patchClientQuery } from './client-input.js';
import { findOidcClient, requireApiManagedClientId } from './client-lookup.js';
import { requireProvider } from './interactions.js';
import type { OidcClient, OidcClientPatch } from './oidc-storage.js';

/** 256 bits, hex: no character a client library might percent-encode differently (RFC 6749 §2.3.1). */
const newSecret = () => randomBytes(32).toString('hex');
const newClientId = () => randomBytes(12).toString('hex');

async function checkWithProvider(deps: Deps, client: OidcClient): Promise<void> {
  const violations = clientRuleViolations(client);
  if (violations.length > 0) throw invalidArgument(`invalid client: ${violations.map((v) => `${v.field} ${v.description}`).join('; ')}`, violations);
  const provider = await requireProvider(deps);
  try {
    await (provider.Client as unknown as { validate(m: unknown): Promise<void> }).validate(clientMetadata(client));
  } catch (err) {
    const description = (err as { error_description?: unknown }).error_description;
    throw invalidArgument(`invalid client: ${typeof description === 'string' ? description : 'rejected by the OpenID Provider'}`);
  }
}

export async function requireClient(deps: Deps, clientId: string): Promise<OidcClient> {
  const client = CLIENT_ID_PATTERN.test(clientId) ? await findOidcClient(deps, clientId) : null;
  if (!client) throw notFound('oidc client not found');
  return client;
}

/** An API-managed client (a deployment-file client answers FAILED_PRECONDITION: the file owns it). */
async function requireApiClient(deps: Deps, clientId: string): Promise<OidcClient> {
  const client = await requireClient(deps, clientId);
  requireApiManagedClientId(deps, clientId);
  return client;
}

export async function createClient(deps: Deps, body: unknown): Promise<{ client: OidcClient; secret: string | null }> {
  const input = parseInput(createClientBody, body);
  const now = deps.clock.now();
  const isPublic = input.public ?? false;
  if (isPublic && input.requirePkce === false) throw invalidArgument('a public client must use PKCE (RFC 9700 §2.1.1)');
  const secret = isPublic ? null : newSecret();
  const client = clientFromInput(input, requireApiManagedClientId(deps, input.clientId ?? newClientId()), secret === null ? null : sha256Hex(secret), now);
  await checkWithProvider(deps, client);
  await deps.store.oidcClients.create(client);
  return { client, secret };
}

export async function updateClient(deps: Deps, clientId: string, body: unknown, query: unknown): Promise<OidcClient> {
  const input = parseInput(patchClientBody, body);
  const { updateMask } = parseInput(patchClientQuery, query, 'query');
  const current = await requireApiClient(deps, clientId);
  const allowed = Object.keys(patchClientBody.shape);
  const paths = updateMask.split(',').map((p) => p.trim()).filter(Boolean);
  const unknown = paths.filter((p) => !allowed.includes(p));
  if (unknown.length > 0) throw invalidArgument(`updateMask names fields that cannot be changed: ${unknown.join(', ')}`);
  const patch: OidcClientPatch = {};
  for (const path of paths) {
    const value = (input as Record<string, unknown>)[path];
    if (value === undefined) throw invalidArgument(`updateMask names ${path} but the body has no value for it`);
    (patch as Record<string, unknown>)[path] = path === 'tokenLifetimes' ? { ...current.tokenLifetimes, ...(value as object) } : value;
  }
  if (current.public && patch.requirePkce === false) throw invalidArgument('a public client must use PKCE (RFC 9700 §2.1.1)');
  await checkWithProvider(deps, { ...current, ...patch });
  const updated = await deps.store.oidcClients.update(clientId, patch, deps.clock.now());
  if (!updated) throw notFound('oidc client not found');
  return updated;
}

export async function deleteClient(deps: Deps, clientId: string): Promise<void> {
  await requireApiClient(deps, clientId);
  await deps.store.oidcClients.delete(clientId);
}

export async function regenerateClientSecret(deps: Deps, clientId: string): Promise<string> {
  const client = await requireApiClient(deps, clientId);
  if (client.public) throw new AppError('FAILED_PRECONDITION', 'a public client has no secret');
  const secret = newSecret();
  await deps.store.oidcClients.update(clientId, { secretHash: sha256Hex(secret) }, deps.clock.now());
  return secret;
}
