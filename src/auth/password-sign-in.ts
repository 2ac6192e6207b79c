// Password sign-in. Unknown user and wrong password are one answer (same status, body, and a bcrypt compare
// against a dummy hash so the timing matches). When password sign-in is off for regular users, every
// non-admin outcome is the same 403, so that answer does not reveal whether the password was right.
import type { Deps } from '../deps.js';
import { permissionDenied, unauthenticated } from '../errors.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import type { User } from '../users/user.js';

export const BAD_CREDENTIALS = 'unmatched username and password';

export async function signInWithPassword(deps: Deps, username: string, password: string): Promise<User> {
  const [user, general] = await Promise.all([
    deps.store.users.findByUsername(username),
    getGeneralSetting(deps.store.settings),
  ]);
  const match = await deps.passwords.verify(password, user?.passwordHash ?? null);
  if (general.disallowPasswordAuth && !(match && user?.role === 'ADMIN')) {
    throw permissionDenied('password signin is not allowed');
  }
  if (!match || !user) throw unauthenticated(BAD_CREDENTIALS);
  if (user.state === 'ARCHIVED') throw permissionDenied(`user has been archived with username ${user.username}`);
  return user;
}
