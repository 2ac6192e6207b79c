// The instance never loses its last admin: demoting, archiving or deleting the only active admin is refused.
// Checked inside the writing transaction, before the write, on the locked set of active admins (SELECT … FOR
// UPDATE on MySQL): two admins demoting each other at once take turns on that lock, so the second sees the
// first's change and is refused (on REPEATABLE READ, a count after each write let both pass: write skew).
import { failedPrecondition, permissionDenied } from '../errors.js';
import type { Repositories } from '../store/store.js';

export const LAST_ADMIN_MESSAGE = 'the last admin cannot be demoted, archived or deleted; make another user admin first';

export interface AdminSetChange {
  /** The user whose admin role or state may go. */
  targetId: number;
  /** Whether the change takes the target out of the active admins (demote, archive, delete). */
  removesTarget: boolean;
  /** An admin acting on the set must still be one when the lock is granted (their role may just have gone). */
  actingAdminId?: number;
}

export async function lockAdminSet(tx: Pick<Repositories, 'users'>, change: AdminSetChange): Promise<void> {
  const admins = await tx.users.lockActiveAdminIds();
  if (change.actingAdminId !== undefined && !admins.includes(change.actingAdminId)) {
    throw permissionDenied('permission denied: you are no longer an admin');
  }
  if (change.removesTarget && admins.includes(change.targetId) && admins.length === 1) throw failedPrecondition(LAST_ADMIN_MESSAGE);
}
