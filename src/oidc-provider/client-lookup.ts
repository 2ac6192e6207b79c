// Where the OpenID Provider finds relying parties: the deployment's file first, then the database. A file entry
// shadows a database row with the same clientId, and only the API's own clients can be changed through the API.
import { failedPrecondition } from '../errors.js';
import type { Store } from '../store/store.js';
import { findDeploymentOidcClient, type DeploymentOidcClients } from './deployment-clients.js';
import type { OidcClient } from './oidc-storage.js';

export interface ClientLookupDeps {
  store: Pick<Store, 'oidcClients'>;
  deploymentOidcClients: DeploymentOidcClients;
}

export async function findOidcClient(deps: ClientLookupDeps, clientId: string): Promise<OidcClient | null> {
  if (clientId.length > 128) return null;
  return findDeploymentOidcClient(deps.deploymentOidcClients, clientId) ?? deps.store.oidcClients.findById(clientId);
}

/** The file's clients in file order, then the database's that the file does not shadow. */
export async function listAllOidcClients(deps: ClientLookupDeps): Promise<{ client: OidcClient; managedBy: 'API' | 'DEPLOYMENT' }[]> {
  const fromFile = deps.deploymentOidcClients.clients.map((client) => ({ client, managedBy: 'DEPLOYMENT' as const }));
  const stored = (await deps.store.oidcClients.list())
    .filter((c) => findDeploymentOidcClient(deps.deploymentOidcClients, c.clientId) === null)
    .map((client) => ({ client, managedBy: 'API' as const }));
  return [...fromFile, ...stored];
}

export function isDeploymentClient(deps: Pick<ClientLookupDeps, 'deploymentOidcClients'>, clientId: string): boolean {
  return findDeploymentOidcClient(deps.deploymentOidcClients, clientId) !== null;
}

/** Throws FailedPrecondition when `clientId` names a client of the deployment's file (create, update, delete). */
export function requireApiManagedClientId(deps: Pick<ClientLookupDeps, 'deploymentOidcClients'>, clientId: string): string {
  if (isDeploymentClient(deps, clientId)) throw failedPrecondition(`oidc client "${clientId}" is configured by the deployment (GATEWAY_OIDC_CLIENTS_FILE)`);
  return clientId;
}
