// Proof asked again before steps a stolen access token must not take: the current password (own password change,
// a personal access token from an old sign-in) or a sign-in younger than RECENT_SIGN_IN_MS (a new PAT). A password
// given here is counted by the same per-account and per-address regulation as a sign-in, so it cannot be guessed.
import type { Deps } from '../deps.js';
import { permissionDenied } from '../errors.js';
import type { User } from '../users/user.js';
import type { Principal } from './principal.js';
import { accountKey } from './regulation.js';

export const RECENT_SIGN_IN_MS = 10 * 60 * 1000;

/** True when `password` is the user's current one. */
export async function confirmPassword(deps: Pick<Deps, 'clock' | 'passwords' | 'regulation'>, user: User, password: string, ip: string | undefined): Promise<boolean> {
  const account = accountKey(user.id, user.username);
  await deps.regulation.beginSignInAttempt(account, ip);
  const match = await deps.passwords.verify(password, user.passwordHash);
  if (match) await deps.regulation.recordSignInSuccess(account, ip);
  else await deps.regulation.recordSignInFailure(account, ip);
  return match;
}

/** Passes when the caller's session started less than 10 minutes ago, or when `password` is right. */
export async function assertRecentSignInOrPassword(deps: Pick<Deps, 'clock' | 'passwords' | 'regulation'>, principal: Principal, password: string | undefined, ip: string | undefined): Promise<void> {
  if (password === undefined) {
    const session = principal.session;
    if (session && deps.clock.now().getTime() - session.createdAt.getTime() < RECENT_SIGN_IN_MS) return;
    throw permissionDenied('this needs a sign-in within the last 10 minutes: sign in again, or send your current password in `password`');
  }
  if (!(await confirmPassword(deps, principal.user, password, ip))) throw permissionDenied('password is not your current password');
}
