// Changing a user (Memos UpdateUser). `role` and `state` are for admins; a password or email change needs an
// interactive sign-in, and changing one's own password the current one (`oldPassword`; an admin resetting
// someone else's does not). A new password ends every other session of the user and deletes their personal access
// tokens (Memos revokes nothing: GHSA-mr34-8733-grr2); archiving ends every session, and the bearer checks
// refuse an archived user's access tokens and PATs from then on. Each change commits with its revocations.
// Names and addresses that rules and apps trust: a rename by an admin locks the name, a self-rename (only when
// `allowUsernameChange` is on and the name is not locked; never with a PAT) unlocks it; an email an admin sets
// is verified, one a user sets is not. `usernameLocked` and `emailVerified` themselves are for admins.
import type { Deps } from '../deps.js';
import { lockAdminSet } from './last-admin.js';
import { invalidArgument, notFound, permissionDenied } from '../errors.js';
import { confirmPassword } from '../auth/step-up.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import { announceRevokedAccess, revokeSessionsInTx, type RevokedAccess } from '../sessions/revoke-user-access.js';
import type { Role, User, UserPatch, UserState } from './user.js';

export interface UserChanges {
  username?: string;
  displayName?: string;
  email?: string;
  avatarUrl?: string;
  description?: string;
  role?: Role;
  state?: UserState;
  password?: string;
  usernameLocked?: boolean;
  emailVerified?: boolean;
}

export interface Actor {
  user: User;
  via: 'access-token' | 'pat';
  /** The current password, sent to prove a self-service password change; and the caller's address. */
  oldPassword?: string;
  ip?: string;
  /** The caller's own session, asked only when a self password change must spare it. */
  findSessionId(): Promise<string | null>;
}

export async function updateUser(deps: Pick<Deps, 'clock' | 'events' | 'logger' | 'passwords' | 'regulation' | 'store'>, actor: Actor, target: User, changes: UserChanges): Promise<User> {
  await assertMayChange(deps, actor, target, changes);
  const patch: UserPatch = {
    ...pick(changes, ['username', 'displayName', 'email', 'avatarUrl', 'description', 'role', 'state']),
    ...vouching(actor, target, changes),
  };
  const newPassword = changes.password !== undefined;
  if (newPassword) {
    deps.passwords.assertAcceptable(changes.password!);
    patch.passwordHash = await deps.passwords.hash(changes.password!);
  }
  const archiving = changes.state === 'ARCHIVED';
  const keepSessionId = newPassword && !archiving && actor.user.id === target.id ? await actor.findSessionId() : null;
  const now = deps.clock.now();
  const revoked: RevokedAccess = { userId: target.id, sessionIds: [], patIds: [] };
  const updated = await deps.store.transaction(async (tx) => {
    if (patch.role !== undefined || patch.state !== undefined) {
      // The CLI operator (id 0) has no account whose admin role could have gone meanwhile.
      const acting = actor.user.id > 0 ? { actingAdminId: actor.user.id } : {};
      await lockAdminSet(tx, { targetId: target.id, removesTarget: patch.role === 'USER' || archiving, ...acting });
    }
    const user = await tx.users.update(target.id, patch, now);
    if (!user) throw notFound('user not found');
    if (archiving || newPassword) revoked.sessionIds = await revokeSessionsInTx(tx, target.id, now, keepSessionId ?? undefined);
    // Archiving ends PATs too: restoring an account must not bring back tokens that may have leaked meanwhile.
    if (archiving || newPassword) revoked.patIds = await tx.personalAccessTokens.deleteAllForUser(target.id);
    return user;
  });
  announceRevokedAccess(deps, revoked);
  deps.events.emit('user-changed', target.id);
  deps.logger.info(
    { event: 'user_updated', userId: target.id, by: actor.user.id, fields: Object.keys(changes), revokedSessions: revoked.sessionIds.length, revokedPats: revoked.patIds.length },
    'user updated',
  );
  return updated;
}

/** What a change does to the name's lock and the email's verification (explicit admin values win). */
function vouching(actor: Actor, target: User, changes: UserChanges): UserPatch {
  const byAdmin = actor.user.role === 'ADMIN';
  const patch: UserPatch = {};
  if (changes.username !== undefined && changes.username !== target.username) patch.usernameLocked = byAdmin;
  if (changes.email !== undefined && changes.email !== target.email) patch.emailVerified = byAdmin && changes.email !== '';
  if (changes.usernameLocked !== undefined) patch.usernameLocked = changes.usernameLocked;
  if (changes.emailVerified !== undefined) patch.emailVerified = changes.emailVerified;
  const email = changes.email ?? target.email;
  if (patch.emailVerified === true && email === '') throw invalidArgument('an empty email cannot be verified', [{ field: 'emailVerified', description: 'needs an email' }]);
  return patch;
}

async function assertMayChange(deps: Pick<Deps, 'clock' | 'events' | 'logger' | 'passwords' | 'regulation' | 'store'>, actor: Actor, target: User, changes: UserChanges): Promise<void> {
  const adminOnly = changes.role !== undefined || changes.state !== undefined || changes.usernameLocked !== undefined || changes.emailVerified !== undefined;
  if (adminOnly && actor.user.role !== 'ADMIN') throw permissionDenied();
  if ((changes.password !== undefined || changes.email !== undefined) && actor.via !== 'access-token') {
    throw permissionDenied('changing the password or email needs an interactive sign-in, not a personal access token');
  }
  if (changes.password !== undefined && actor.user.id === target.id) await assertOldPassword(deps, actor, target);
  const renames = changes.username !== undefined && changes.username !== target.username;
  const renicks = changes.displayName !== undefined && changes.displayName !== target.displayName;
  if (!renames && !renicks) return;
  const general = await getGeneralSetting(deps.store.settings);
  if (renames && general.disallowChangeUsername) throw permissionDenied('permission denied: disallow change username');
  if (renames) assertMayRename(actor, target, general.allowUsernameChange);
  if (renicks && general.disallowChangeNickname) throw permissionDenied('permission denied: disallow change nickname');
}

/** A name rules may trust is never one a person picked for themself unchecked (issue 9 item 2). */
function assertMayRename(actor: Actor, target: User, allowUsernameChange: boolean): void {
  if (actor.via !== 'access-token') throw permissionDenied('renaming needs an interactive sign-in, not a personal access token', 'RENAME_WITH_PAT');
  if (actor.user.role === 'ADMIN') return;
  if (!allowUsernameChange) throw permissionDenied('permission denied: usernames are changed by an admin on this instance', 'USERNAME_CHANGE_DISABLED');
  if (target.usernameLocked) throw permissionDenied('permission denied: an admin locked this username', 'USERNAME_LOCKED');
}

async function assertOldPassword(deps: Pick<Deps, 'clock' | 'events' | 'logger' | 'passwords' | 'regulation' | 'store'>, actor: Actor, target: User): Promise<void> {
  if (actor.oldPassword === undefined) {
    throw invalidArgument('changing your own password needs your current password in `oldPassword`', [{ field: 'oldPassword', description: 'required' }]);
  }
  if (!(await confirmPassword(deps, target, actor.oldPassword, actor.ip))) throw permissionDenied('oldPassword is not your current password');
}

function pick<T extends object, K extends keyof T>(value: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
