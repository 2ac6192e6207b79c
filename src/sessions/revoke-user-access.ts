// Ending a user's access inside a caller's transaction (so it commits with the change that caused it: a new
// password, an archive), and telling the rest of the process afterwards.
import type { Deps } from '../deps.js';
import type { Repositories } from '../store/store.js';

export interface RevokedAccess {
  userId: number;
  sessionIds: string[];
  patIds: string[];
}

/** Revokes the user's live sessions (all, or all but `exceptSessionId`) and their refresh tokens. */
export async function revokeSessionsInTx(tx: Repositories, userId: number, at: Date, exceptSessionId?: string): Promise<string[]> {
  const ids = await tx.sessions.revokeAllForUser(userId, at, exceptSessionId);
  for (const id of ids) await tx.refreshTokens.revokeBySession(id, at);
  return ids;
}

/** After commit: caches and listeners forget the revoked sessions and tokens at once. */
export function announceRevokedAccess(deps: Pick<Deps, 'events'>, revoked: RevokedAccess): void {
  if (revoked.sessionIds.length > 0) deps.events.emit('sessions-revoked', revoked.sessionIds);
  if (revoked.patIds.length > 0) deps.events.emit('pats-revoked', revoked.userId, revoked.patIds);
}

/** Ends the user's other sessions now (a factor was removed): one transaction, then the announcement. */
export async function revokeOtherSessions(deps: Pick<Deps, 'store' | 'clock' | 'events'>, userId: number, exceptSessionId: string | undefined): Promise<string[]> {
  const sessionIds = await deps.store.transaction((tx) => revokeSessionsInTx(tx, userId, deps.clock.now(), exceptSessionId));
  announceRevokedAccess(deps, { userId, sessionIds, patIds: [] });
  return sessionIds;
}
