// Deleting a user (Memos DeleteUser): the user row with every session, refresh token and personal access token
// of theirs, in one transaction, so nothing of theirs can authenticate afterwards. Deleting one's own account
// needs an interactive sign-in (a leaked PAT must not be able to destroy the account it belongs to).
import type { Deps } from '../deps.js';
import { notFound, permissionDenied } from '../errors.js';
import { announceRevokedAccess, type RevokedAccess } from '../sessions/revoke-user-access.js';
import { lockAdminSet } from './last-admin.js';
import type { User } from './user.js';

export async function deleteUser(deps: Pick<Deps, 'events' | 'logger' | 'store'>, actor: { user: User; via: 'access-token' | 'pat' }, target: User): Promise<void> {
  if (actor.user.id === target.id && actor.via !== 'access-token') {
    throw permissionDenied('deleting your own account needs an interactive sign-in, not a personal access token');
  }
  const revoked: RevokedAccess = { userId: target.id, sessionIds: [], patIds: [] };
  await deps.store.transaction(async (tx) => {
    await lockAdminSet(tx, { targetId: target.id, removesTarget: true, ...(actor.user.id !== target.id && actor.user.id > 0 ? { actingAdminId: actor.user.id } : {}) });
    revoked.patIds = await tx.personalAccessTokens.deleteAllForUser(target.id);
    await tx.refreshTokens.deleteAllForUser(target.id);
    revoked.sessionIds = await tx.sessions.deleteAllForUser(target.id);
    await tx.identities.deleteForUser(target.id);
    await tx.groups.deleteForUser(target.id);
    await tx.secondFactors.deleteTotp(target.id);
    await tx.secondFactors.deleteRecoveryCodes(target.id);
    if (!(await tx.users.delete(target.id))) throw notFound('user not found');
  });
  announceRevokedAccess(deps, revoked);
  deps.events.emit('user-changed', target.id);
  deps.logger.info({ event: 'user_deleted', userId: target.id, by: actor.user.id }, 'user deleted');
}
