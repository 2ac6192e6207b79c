// DELETE /api/v1/users/{user}/signInBan (admin): lifts the account's sign-in ban and clears its failure counts,
// audited. Per-address counts stay (a guesser's address is not let off). The admin CLI's `unlock` does the same
// through Regulator.unlockAccount.
import type { RequestHandler } from 'express';
import { originOf, recordAudit } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { requireUserParam } from '../http/route-access.js';
import { requirePrincipal } from './principal.js';
import { accountKey } from './regulation.js';

export function liftSignInBanHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const admin = requirePrincipal(res).user;
    const target = await requireUserParam(deps, req, admin);
    await deps.regulation.unlockAccount(accountKey(target.id, target.username));
    deps.logger.info({ event: 'account.unlocked', userId: target.id, by: admin.id }, 'sign-in ban lifted');
    await recordAudit(deps, 'account.unlocked', originOf(req), { actorUserId: admin.id, subjectUserId: target.id, subject: target.username });
    res.json({});
  };
}
