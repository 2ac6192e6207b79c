// Where the SSO code finds identity providers: the deployment's file first, then the database. A file entry
// shadows a database row with the same uid (that row is then unreachable, by uid or by id), and only the API's
// own providers can be changed through the API (Memos contract §1.4, §4 step 1).
import type { Deps } from '../deps.js';
import { failedPrecondition } from '../errors.js';
import type { IdentityProvider } from './identity-provider.js';

type LookupDeps = Pick<Deps, 'store' | 'deploymentIdps'>;

export function findDeploymentIdp(deps: Pick<Deps, 'deploymentIdps'>, uid: string): IdentityProvider | null {
  return deps.deploymentIdps.providers.find((idp) => idp.uid === uid) ?? null;
}

/** Every provider: the file's in file order, then the database's (creation order) that the file does not shadow. */
export async function listIdps(deps: LookupDeps): Promise<IdentityProvider[]> {
  const fromFile = deps.deploymentIdps.providers;
  const stored = await deps.store.idps.list();
  return [...fromFile, ...stored.filter((idp) => findDeploymentIdp(deps, idp.uid) === null)];
}

export async function findIdpByUid(deps: LookupDeps, uid: string): Promise<IdentityProvider | null> {
  return findDeploymentIdp(deps, uid) ?? deps.store.idps.findByUid(uid);
}

/** By database id: file providers have none, and a shadowed row is not found. */
export async function findIdpById(deps: LookupDeps, id: number): Promise<IdentityProvider | null> {
  const idp = await deps.store.idps.findById(id);
  return idp !== null && findDeploymentIdp(deps, idp.uid) === null ? idp : null;
}

/** Throws FailedPrecondition when `uid` names a provider of the deployment's file (create, update, delete). */
export function requireApiManagedUid(deps: Pick<Deps, 'deploymentIdps'>, uid: string): string {
  if (findDeploymentIdp(deps, uid) !== null) throw failedPrecondition(`identity provider "${uid}" is configured by the deployment`);
  return uid;
}
