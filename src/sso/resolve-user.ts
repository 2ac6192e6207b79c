// Who an external account is here: the user linked to (provider uid, identifier), or, the first time, a new
// USER registered with the link in one transaction (unless registration is closed). Never an existing local
// user whose name happens to equal the identifier. Concurrent first logins of one account end up as one user:
// the losers of the unique-key race read the winner's link. The name is the person's choice at the provider, so it
// is never locked; when it is taken (regardless of letter case) the user gets it with a random suffix. The email
// is verified only when the provider says so and no other account has that address verified. The groups the
// provider sent replace the user's groups from that provider (in the registration's transaction for a new user);
// a change is announced ('groups-changed') so verify caches read them again.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import type { User } from '../users/user.js';
import { isReservedUsername, isValidUsername } from '../users/username.js';
import type { ExternalProfile } from './field-mapping.js';
import type { IdentityProvider } from './identity-provider.js';
import { providerName } from './provider-errors.js';
import { registrationClosed, SsoError } from './sso-errors.js';

// Names that read as the system or an operator are not handed to whoever claims them at a provider.
// (`me` and all-digit names are refused everywhere: isReservedUsername.)
const RESERVED_USERNAMES = new Set(['admin', 'administrator', 'root', 'system', 'api', 'memos', 'support']);
const MAX_ATTEMPTS = 6;

function requireActive(user: User, idp: IdentityProvider): User {
  if (user.state === 'ARCHIVED') {
    throw new SsoError('PERMISSION_DENIED', 'USER_ARCHIVED', `user has been archived with username ${user.username}`, { provider: providerName(idp) });
  }
  return user;
}

async function findLinkedUser(deps: Pick<Deps, 'clock' | 'logger' | 'passwords' | 'store'>, idp: IdentityProvider, identifier: string): Promise<User | null> {
  const link = await deps.store.identities.find(idp.uid, identifier);
  if (!link) return null;
  const user = await deps.store.users.findById(link.userId);
  if (user) return user;
  // The user was deleted but the link stayed behind: drop it so the account can register afresh.
  await deps.store.identities.deleteIfUser(idp.uid, identifier, link.userId);
  return null;
}

/** The identifier as username when it is a valid one that reads as nobody else (not reserved, not an id). */
function isUsableUsername(identifier: string): boolean {
  return isValidUsername(identifier) && !isReservedUsername(identifier) && !RESERVED_USERNAMES.has(identifier.toLowerCase());
}

const SUFFIXED_ATTEMPTS = 3;

/** The proposed name, then (taken) the name with a random suffix, then a UUID. */
function candidateUsername(proposed: string, attempt: number): string {
  if (!isUsableUsername(proposed) || attempt > SUFFIXED_ATTEMPTS) return randomUUID();
  if (attempt === 0) return proposed;
  return `${proposed.slice(0, 31).replace(/-+$/, '')}-${randomBytes(2).toString('hex')}`;
}

async function register(deps: Pick<Deps, 'clock' | 'logger' | 'passwords' | 'store'>, idp: IdentityProvider, profile: ExternalProfile): Promise<User> {
  // A password nobody knows, hashed like any other so password sign-in costs the same for SSO-only users.
  const passwordHash = await deps.passwords.hash(randomBytes(15).toString('base64'));
  let emailVerified = profile.emailVerified;
  let nameAttempt = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const username = candidateUsername(profile.username, nameAttempt);
    const now = deps.clock.now();
    try {
      const user = await deps.store.transaction(async (tx) => {
        const created = await tx.users.create({
          username,
          role: 'USER',
          email: profile.email,
          emailVerified,
          usernameLocked: false,
          displayName: profile.displayName,
          avatarUrl: profile.avatarUrl,
          description: '',
          passwordHash,
          createdAt: now,
        });
        await tx.identities.create({ userId: created.id, provider: idp.uid, externUid: profile.identifier, createdAt: now });
        await tx.groups.replace(created.id, idp.uid, profile.groups, now);
        return created;
      });
      deps.logger.info({ event: 'sso_user_registered', userId: user.id, idp: idp.uid }, 'user registered through SSO');
      return user;
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'ALREADY_EXISTS')) throw err;
      // The address is verified on another account: this one gets it unverified (never asserted to apps).
      if (err.reason === 'EMAIL_TAKEN') emailVerified = false;
      else nameAttempt += 1;
      // Either this account was linked a moment ago by a concurrent login, or the username was taken.
      const winner = await findLinkedUser(deps, idp, profile.identifier);
      if (winner) return winner;
    }
  }
  throw new AppError('INTERNAL', 'internal error', { cause: new Error('could not find a free username') });
}

export async function resolveSsoUser(deps: Pick<Deps, 'clock' | 'events' | 'logger' | 'passwords' | 'store'>, idp: IdentityProvider, profile: ExternalProfile): Promise<User> {
  const linked = await findLinkedUser(deps, idp, profile.identifier);
  if (linked) {
    requireActive(linked, idp);
    await replaceUpstreamGroups(deps, linked, idp, profile);
    return linked;
  }
  const general = await getGeneralSetting(deps.store.settings);
  if (general.disallowUserRegistration) throw registrationClosed(providerName(idp));
  const user = requireActive(await register(deps, idp, profile), idp);
  // A concurrent first login may have registered the user: its groups are this sign-in's too.
  await replaceUpstreamGroups(deps, user, idp, profile);
  return user;
}

async function replaceUpstreamGroups(deps: Pick<Deps, 'clock' | 'events' | 'store'>, user: User, idp: IdentityProvider, profile: ExternalProfile): Promise<void> {
  if (await deps.store.groups.replace(user.id, idp.uid, profile.groups, deps.clock.now())) deps.events.emit('groups-changed', user.id);
}
