// Password sign-in. Unknown user and wrong password are one answer (same status, body, and a bcrypt compare
// against a dummy hash so the timing matches). When password sign-in is off for regular users, every
// non-admin outcome is the same 403, so that answer does not reveal whether the password was right.
import type { Deps } from '../deps.js';
import { permissionDenied, unauthenticated } from '../errors.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import type { User } from '../users/user.js';
import { recordAudit, type AuditOrigin } from '../audit/audit-log.js';
import { AppError } from '../errors.js';
import { accountKey } from './regulation.js';

export const BAD_CREDENTIALS = 'unmatched username and password';

/**
 * Checks a username and password. Each attempt is counted before bcrypt runs (atomically, so a burst of
 * concurrent attempts cannot slip past the limit); a banned account or address is refused (429) before bcrypt,
 * so the right password during a ban still fails; a failure can start a ban, a success clears the account's.
 */
export async function signInWithPassword(deps: Pick<Deps, 'clock' | 'logger' | 'metrics' | 'passwords' | 'regulation' | 'store'>, username: string, password: string, origin: AuditOrigin): Promise<User> {
  try {
    const user = await checkPassword(deps, username, password, origin);
    deps.metrics.signIn('password', 'success');
    return user;
  } catch (err) {
    deps.metrics.signIn('password', err instanceof AppError && err.code === 'RESOURCE_EXHAUSTED' ? 'banned' : 'failure');
    throw err;
  }
}

async function checkPassword(deps: Pick<Deps, 'clock' | 'logger' | 'metrics' | 'passwords' | 'regulation' | 'store'>, username: string, password: string, origin: AuditOrigin): Promise<User> {
  const [user, general] = await Promise.all([
    deps.store.users.findByUsername(username),
    getGeneralSetting(deps.store.settings),
  ]);
  const ip = origin.ipAddress;
  const account = accountKey(user?.id ?? null, username);
  try {
    await deps.regulation.beginSignInAttempt(account, ip);
  } catch (err) {
    if (err instanceof AppError) await recordAudit(deps, 'signin.banned', origin, { subjectUserId: user?.id ?? null, subject: username });
    throw err;
  }
  const match = await deps.passwords.verify(password, user?.passwordHash ?? null);
  if (!match || !user) {
    await deps.regulation.recordSignInFailure(account, ip);
    await recordAudit(deps, 'signin.failure', origin, { subjectUserId: user?.id ?? null, subject: username, detail: { method: 'password' } });
  } else {
    await deps.regulation.recordSignInSuccess(account, ip);
  }
  if (general.disallowPasswordAuth && !(match && user?.role === 'ADMIN')) {
    throw permissionDenied('password signin is not allowed', 'PASSWORD_SIGNIN_DISABLED');
  }
  if (!match || !user) throw unauthenticated(BAD_CREDENTIALS);
  if (user.state === 'ARCHIVED') throw permissionDenied(`user has been archived with username ${user.username}`, 'USER_ARCHIVED');
  return user;
}
