// The instance never loses its last admin: demoting, archiving or deleting the only active admin is refused
// (checked inside the writing transaction, after the write, so the refusal rolls it back).
import { failedPrecondition } from '../errors.js';
import type { Repositories } from '../store/store.js';
import type { User } from './user.js';

export async function assertAdminRemains(tx: Pick<Repositories, 'users'>, before: User): Promise<void> {
  if (before.role !== 'ADMIN' || before.state !== 'NORMAL') return;
  if ((await tx.users.countActiveAdmins()) === 0) {
    throw failedPrecondition('the last admin cannot be demoted, archived or deleted; make another user admin first');
  }
}
