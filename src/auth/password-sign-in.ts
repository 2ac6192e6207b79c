// Password sign-in. Unknown user and wrong password are one answer (same status, body, and a bcrypt compare
// against a dummy hash so the timing matches). When password sign-in is off for regular users, every
// non-admin outcome is the same 403 and counts as a failure, so neither the answer nor the counters reveal
// whether the password was right. The audit row names the account only when the typed name is one: a password
// typed into the username field never lands in the log.
import type { Deps } from '../deps.js';
import { permissionDenied, unauthenticated } from '../errors.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import type { User } from '../users/user.js';
import { recordAudit, type AuditOrigin } from '../audit/audit-log.js';
import { AppError } from '../errors.js';
import { isTrustedDevice } from './device-token.js';
import { accountKey, type AttemptContext } from './regulation.js';

export const BAD_CREDENTIALS = 'unmatched username and password';

export interface PasswordSignInOptions {
  /** The client's device token (the `sso_device` cookie), when it sent one. */
  deviceToken?: string | null;
}

/** What an audit row may say about the account tried: the typed name only when it names an existing user. */
function auditedAccount(user: User | null) {
  return user ? { subjectUserId: user.id, subject: user.username } : { subjectUserId: null, subject: '' };
}

type SignInDeps = Pick<Deps, 'clock' | 'keys' | 'logger' | 'metrics' | 'passwords' | 'regulation' | 'store'>;

/**
 * Checks a username and password. Each attempt is counted before bcrypt runs (atomically, so a burst of
 * concurrent attempts cannot slip past the limit); a banned account or address is refused (429) before bcrypt,
 * so the right password during a ban still fails; a failure can start a ban, a success clears the account's.
 * A valid device token for the account moves the attempt from the per-account count to the device allowance.
 */
export async function signInWithPassword(deps: SignInDeps, username: string, password: string, origin: AuditOrigin, options: PasswordSignInOptions = {}): Promise<User> {
  try {
    const user = await checkPassword(deps, username, password, origin, options);
    deps.metrics.signIn('password', 'success');
    return user;
  } catch (err) {
    deps.metrics.signIn('password', err instanceof AppError && err.code === 'RESOURCE_EXHAUSTED' ? 'banned' : 'failure');
    throw err;
  }
}

async function checkPassword(deps: SignInDeps, username: string, password: string, origin: AuditOrigin, options: PasswordSignInOptions): Promise<User> {
  const [user, general] = await Promise.all([
    deps.store.users.findByUsername(username),
    getGeneralSetting(deps.store.settings),
  ]);
  const ip = origin.ipAddress;
  const account = accountKey(user?.id ?? null, username);
  const context: AttemptContext = { trustedDevice: user !== null && (await isTrustedDevice(deps.keys, options.deviceToken, user.id, deps.clock.now())) };
  const detail = { method: 'password', trustedDevice: context.trustedDevice ?? false, ...(user ? {} : { unknownUsername: true }) };
  try {
    await deps.regulation.beginSignInAttempt(account, ip, context);
  } catch (err) {
    if (err instanceof AppError) await recordAudit(deps, 'signin.banned', origin, { ...auditedAccount(user), detail });
    throw err;
  }
  const match = await deps.passwords.verify(password, user?.passwordHash ?? null);
  const refused = general.disallowPasswordAuth && !(match && user?.role === 'ADMIN');
  if (!match || !user || refused) {
    // A refused right guess counts as a failure too: resetting the count would tell which batch held the password.
    await deps.regulation.recordSignInFailure(account, ip, context);
    if (!match || !user) await recordAudit(deps, 'signin.failure', origin, { ...auditedAccount(user), detail });
  } else {
    await deps.regulation.recordSignInSuccess(account, ip, context);
  }
  if (refused) throw permissionDenied('password signin is not allowed', 'PASSWORD_SIGNIN_DISABLED');
  if (!match || !user) throw unauthenticated(BAD_CREDENTIALS);
  if (user.state === 'ARCHIVED') throw permissionDenied(`user has been archived with username ${user.username}`, 'USER_ARCHIVED');
  return user;
}
