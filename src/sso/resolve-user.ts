// Who an external account is here: the user linked to (provider uid, identifier), or, the first time, a new
// USER registered with the link in one transaction (unless registration is closed). Never an existing local
// user whose name happens to equal the identifier. Concurrent first logins of one account end up as one user:
// the losers of the unique-key race read the winner's link.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import type { User } from '../users/user.js';
import { isValidUsername } from '../users/username.js';
import type { ExternalProfile } from './field-mapping.js';
import type { IdentityProvider } from './identity-provider.js';
import { providerName } from './provider-errors.js';
import { registrationClosed, SsoError } from './sso-errors.js';

// Names that read as the system or an operator are not handed to whoever claims them at a provider.
const RESERVED_USERNAMES = new Set(['admin', 'administrator', 'root', 'system', 'api', 'memos', 'support', 'me']);
const MAX_ATTEMPTS = 5;

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
  // All digits would be read as a user id in `/api/v1/users/{user}` paths.
  return isValidUsername(identifier) && !/^[0-9]+$/.test(identifier) && !RESERVED_USERNAMES.has(identifier.toLowerCase());
}

async function chooseUsername(deps: Pick<Deps, 'clock' | 'logger' | 'passwords' | 'store'>, identifier: string): Promise<string> {
  if (isUsableUsername(identifier)) {
    if (!(await deps.store.users.findByUsername(identifier))) return identifier;
  }
  return randomUUID();
}

async function register(deps: Pick<Deps, 'clock' | 'logger' | 'passwords' | 'store'>, idp: IdentityProvider, profile: ExternalProfile): Promise<User> {
  // A password nobody knows, hashed like any other so password sign-in costs the same for SSO-only users.
  const passwordHash = await deps.passwords.hash(randomBytes(15).toString('base64'));
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const username = attempt === 0 ? await chooseUsername(deps, profile.username) : randomUUID();
    const now = deps.clock.now();
    try {
      const user = await deps.store.transaction(async (tx) => {
        const created = await tx.users.create({
          username,
          role: 'USER',
          email: profile.email,
          displayName: profile.displayName,
          avatarUrl: profile.avatarUrl,
          description: '',
          passwordHash,
          createdAt: now,
        });
        await tx.identities.create({ userId: created.id, provider: idp.uid, externUid: profile.identifier, createdAt: now });
        return created;
      });
      deps.logger.info({ event: 'sso_user_registered', userId: user.id, idp: idp.uid }, 'user registered through SSO');
      return user;
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'ALREADY_EXISTS')) throw err;
      // Either this account was linked a moment ago by a concurrent login, or the username was taken.
      const winner = await findLinkedUser(deps, idp, profile.identifier);
      if (winner) return winner;
    }
  }
  throw new AppError('INTERNAL', 'internal error', { cause: new Error('could not find a free username') });
}

export async function resolveSsoUser(deps: Pick<Deps, 'clock' | 'logger' | 'passwords' | 'store'>, idp: IdentityProvider, profile: ExternalProfile): Promise<User> {
  const linked = await findLinkedUser(deps, idp, profile.identifier);
  if (linked) return requireActive(linked, idp);
  const general = await getGeneralSetting(deps.store.settings);
  if (general.disallowUserRegistration) throw registrationClosed(providerName(idp));
  return requireActive(await register(deps, idp, profile), idp);
}
