// A user's signed-in devices: list them, revoke one (its refresh tokens and its `sso_session` die with it), or
// sign out everywhere. "Everywhere" also deletes the user's personal access tokens: it is what a user does who
// fears someone else got in, and that someone may have minted a PAT (security catalogue B.20).
import { revokeSessions } from './session-lifecycle.js';
import type { Deps } from '../deps.js';
import { notFound } from '../errors.js';
import { announceRevokedAccess, revokeSessionsInTx, type RevokedAccess } from './revoke-user-access.js';
import type { Session } from './session.js';

export function listUserSessions(deps: Pick<Deps, 'clock' | 'config' | 'events' | 'keys' | 'logger' | 'store'>, userId: number): Promise<Session[]> {
  return deps.store.sessions.listActiveByUser(userId, deps.clock.now());
}

/** Another user's session, an unknown one, or one already ended: 404 alike. */
export async function revokeUserSession(deps: Pick<Deps, 'clock' | 'config' | 'events' | 'keys' | 'logger' | 'store'>, userId: number, sessionId: string): Promise<void> {
  const session = await deps.store.sessions.findById(sessionId);
  if (!session || session.userId !== userId || session.revokedAt !== null) throw notFound('session not found');
  await revokeSessions(deps, [sessionId]);
  deps.logger.info({ event: 'session_revoked', userId, sessionId }, 'session revoked');
}

export async function signOutEverywhere(deps: Pick<Deps, 'clock' | 'config' | 'events' | 'keys' | 'logger' | 'store'>, userId: number): Promise<RevokedAccess> {
  const now = deps.clock.now();
  const revoked: RevokedAccess = { userId, sessionIds: [], patIds: [] };
  await deps.store.transaction(async (tx) => {
    revoked.sessionIds = await revokeSessionsInTx(tx, userId, now);
    revoked.patIds = await tx.personalAccessTokens.deleteAllForUser(userId);
  });
  announceRevokedAccess(deps, revoked);
  deps.logger.info({ event: 'signed_out_everywhere', userId, sessions: revoked.sessionIds.length, pats: revoked.patIds.length }, 'signed out everywhere');
  return revoked;
}
