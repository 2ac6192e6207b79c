// Linked identities (Memos' LinkedIdentity): the accounts at identity providers a user signs in with. Linking
// needs the account to be the user's own (the code exchange of the browser flow or of `ssoCredentials`, started
// by that user); an account already linked to someone else is refused. Unlinking is refused when it would leave
// no way in: no other link, and no password the user can know (an account registered through SSO has a random one).
import type { Deps } from '../deps.js';
import { AppError, failedPrecondition, notFound } from '../errors.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import type { User } from '../users/user.js';
import type { ExternalProfile } from './field-mapping.js';
import type { IdentityProvider } from './identity-provider.js';
import type { UserIdentity } from './user-identity.js';

type LinkDeps = Pick<Deps, 'clock' | 'store'>;

export function listLinkedIdentities(deps: Pick<Deps, 'store'>, userId: number): Promise<UserIdentity[]> {
  return deps.store.identities.listForUser(userId);
}

export async function requireLinkedIdentity(deps: Pick<Deps, 'store'>, userId: number, idpUid: string): Promise<UserIdentity> {
  const link = (await listLinkedIdentities(deps, userId)).find((l) => l.provider === idpUid);
  if (!link) throw notFound('linked identity not found');
  return link;
}

export async function linkIdentityToUser(deps: LinkDeps, idp: IdentityProvider, profile: ExternalProfile, userId: number): Promise<User> {
  const user = await deps.store.users.findById(userId);
  if (!user || user.state !== 'NORMAL') throw notFound('user not found');
  const existing = await deps.store.identities.find(idp.uid, profile.identifier);
  if (existing) {
    if (existing.userId === userId) return user;
    throw new AppError('ALREADY_EXISTS', 'this account at the identity provider is already linked to another user');
  }
  await deps.store.identities.create({ userId, provider: idp.uid, externUid: profile.identifier, createdAt: deps.clock.now() });
  return user;
}

/**
 * An account registered through SSO got its first link in the same transaction with the same timestamp
 * (sso/resolve-user.ts). A link made in the very second of a local sign-up also matches: that errs on refusing.
 */
function registeredThroughSso(user: User, links: UserIdentity[]): boolean {
  return links.some((l) => Math.floor(l.createdAt.getTime() / 1000) === Math.floor(user.createdAt.getTime() / 1000));
}

export async function unlinkIdentity(deps: Pick<Deps, 'store'>, user: User, idpUid: string): Promise<void> {
  const links = await listLinkedIdentities(deps, user.id);
  const link = links.find((l) => l.provider === idpUid);
  if (!link) throw notFound('linked identity not found');
  const general = await getGeneralSetting(deps.store.settings);
  const passwordWayIn = !general.disallowPasswordAuth && !registeredThroughSso(user, links);
  if (links.length === 1 && !passwordWayIn) {
    throw failedPrecondition('this is the only way to sign in to this account; link another provider first');
  }
  await deps.store.identities.deleteIfUser(link.provider, link.externUid, user.id);
}
