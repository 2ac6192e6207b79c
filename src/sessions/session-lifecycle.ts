// Sessions as token families: starting one at sign-in, rotating its refresh token, ending it.
// Rotation is a compare-and-set on the token row; a rotated token seen again after the grace period is a
// replay and revokes the whole family (RFC 9700 §4.14.2).
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { unauthenticated } from '../errors.js';
import type { ClientInfo } from './session.js';
import type { User } from '../users/user.js';
import { issueAccessToken } from '../auth/access-token.js';
import { InvalidTokenError } from '../auth/jwt.js';
import { issueRefreshToken, verifyRefreshToken } from '../auth/refresh-token.js';
import type { RefreshTokenRecord } from '../auth/refresh-token-record.js';
import { randomToken, sha256Hex } from '../auth/secrets.js';
import { recordAudit } from '../audit/audit-log.js';

/** Concurrent refreshes (tabs racing) within this window lose quietly; later a replay kills the session. */
export const ROTATION_GRACE_MS = 5000;

export interface IssuedTokens {
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export interface StartedSession extends IssuedTokens {
  ssoToken: string;
  sessionExpiresAt: Date;
}

/** One sign-in on one device: a session row and its first refresh token, written together. */
export async function startSession(deps: Deps, user: User, clientInfo: ClientInfo): Promise<StartedSession> {
  const now = deps.clock.now();
  const sessionId = randomUUID();
  const tid = randomUUID();
  const ssoToken = randomToken();
  const sessionExpiresAt = new Date(now.getTime() + deps.config.sessionMaxAgeMs);
  const refresh = await issueRefreshToken(deps.keys, user.id, tid, now);
  const access = await issueAccessToken(deps.keys, user, sessionId, now);
  await deps.store.transaction(async (tx) => {
    await tx.sessions.create({ id: sessionId, userId: user.id, ssoTokenHash: sha256Hex(ssoToken), clientInfo, createdAt: now, expiresAt: sessionExpiresAt });
    await tx.refreshTokens.create({ tid, sessionId, userId: user.id, createdAt: now, expiresAt: refresh.expiresAt, accessTokenHash: sha256Hex(access.token) });
  });
  return {
    sessionId,
    ssoToken,
    sessionExpiresAt,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: refresh.token,
    refreshTokenExpiresAt: refresh.expiresAt,
  };
}

const invalidRefresh = (reason: string) => unauthenticated(`invalid refresh token: ${reason}`);

/**
 * Exchanges a refresh token for a new access token and a new refresh token of the same session. Each call is
 * one gateway_refresh_total: success, reuse_detected (a replay that revoked its session) or failure.
 */
export async function rotateRefreshToken(deps: Deps, token: string): Promise<IssuedTokens & { user: User }> {
  const seen = { reuse: false };
  try {
    const rotated = await rotate(deps, token, seen);
    deps.metrics.refresh('success');
    return rotated;
  } catch (err) {
    deps.metrics.refresh(seen.reuse ? 'reuse_detected' : 'failure');
    throw err;
  }
}

async function rotate(deps: Deps, token: string, seen: { reuse: boolean }): Promise<IssuedTokens & { user: User }> {
  const now = deps.clock.now();
  const { userId, tid } = await verifyRefreshToken(deps.keys, token, now).catch((err: unknown) => {
    throw err instanceof InvalidTokenError ? invalidRefresh('malformed or expired') : err;
  });
  const record = await deps.store.refreshTokens.findByTid(tid);
  if (!record || record.userId !== userId) throw invalidRefresh('refresh token revoked');
  if (record.revokedAt) throw invalidRefresh('refresh token revoked');
  if (record.expiresAt.getTime() <= now.getTime()) throw invalidRefresh('refresh token expired');
  if (record.rotatedAt) {
    seen.reuse = await handleRotatedTokenPresented(deps, record, now);
    throw invalidRefresh('refresh token already used');
  }
  const session = await deps.store.sessions.findById(record.sessionId);
  if (!session || session.revokedAt || session.expiresAt.getTime() <= now.getTime()) {
    throw invalidRefresh('session ended');
  }
  const user = await deps.store.users.findById(userId);
  if (!user) throw invalidRefresh('user not found');
  if (user.state === 'ARCHIVED') throw invalidRefresh('user is archived');

  const newTid = randomUUID();
  const refresh = await issueRefreshToken(deps.keys, user.id, newTid, now);
  const access = await issueAccessToken(deps.keys, user, session.id, now);
  const won = await deps.store.transaction(async (tx) => {
    if (!(await tx.refreshTokens.markRotated(tid, newTid, now))) return false;
    await tx.refreshTokens.create({
      tid: newTid, sessionId: session.id, userId: user.id, createdAt: now, expiresAt: refresh.expiresAt, accessTokenHash: sha256Hex(access.token),
    });
    await tx.sessions.touch(session.id, now);
    return true;
  });
  if (!won) throw invalidRefresh('refresh token already used');
  return {
    user,
    sessionId: session.id,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: refresh.token,
    refreshTokenExpiresAt: refresh.expiresAt,
  };
}

/**
 * A rotated token came back. Inside the grace period, and only for the direct predecessor of the live token
 * (two tabs racing), that is harmless; otherwise it is a replay: the whole session is revoked.
 */
async function handleRotatedTokenPresented(deps: Deps, record: RefreshTokenRecord, now: Date): Promise<boolean> {
  const { sessionId, tid } = record;
  const successor = record.replacedBy ? await deps.store.refreshTokens.findByTid(record.replacedBy) : null;
  const directPredecessor = successor !== null && successor.rotatedAt === null;
  if (directPredecessor && now.getTime() - record.rotatedAt!.getTime() <= ROTATION_GRACE_MS) return false;
  const revoked = await revokeSessions(deps, [sessionId]);
  if (revoked.length > 0) {
    deps.logger.warn({ event: 'refresh_reuse_detected', sessionId, tid }, 'rotated refresh token replayed; session revoked');
    await recordAudit(deps, 'refresh.reuse_detected', null, { subject: sessionId, detail: { tid } });
  }
  return revoked.length > 0;
}

/** Revokes sessions and all their refresh tokens in one transaction; returns those this call revoked. */
export async function revokeSessions(deps: Deps, sessionIds: string[]): Promise<string[]> {
  if (sessionIds.length === 0) return [];
  const now = deps.clock.now();
  const revoked = await deps.store.transaction(async (tx) => {
    const done: string[] = [];
    for (const id of sessionIds) {
      if (await tx.sessions.revoke(id, now)) done.push(id);
      await tx.refreshTokens.revokeBySession(id, now);
    }
    return done;
  });
  deps.events.emit('sessions-revoked', sessionIds);
  return revoked;
}

/** Revokes every session of a user (sign out everywhere, password change, archive), optionally but one. */
export async function revokeUserSessions(deps: Deps, userId: number, exceptSessionId?: string): Promise<string[]> {
  const now = deps.clock.now();
  const ids = await deps.store.transaction(async (tx) => {
    const revoked = await tx.sessions.revokeAllForUser(userId, now, exceptSessionId);
    for (const id of revoked) await tx.refreshTokens.revokeBySession(id, now);
    return revoked;
  });
  deps.events.emit('sessions-revoked', ids);
  return ids;
}

/** The session a refresh token belongs to, if the token is genuine (expired or rotated tokens still name it). */
export async function findSessionIdOfRefreshToken(deps: Deps, token: string): Promise<string | null> {
  try {
    const { userId, tid } = await verifyRefreshToken(deps.keys, token, deps.clock.now());
    const record = await deps.store.refreshTokens.findByTid(tid);
    return record && record.userId === userId ? record.sessionId : null;
  } catch (err) {
    if (err instanceof InvalidTokenError) return null;
    throw err;
  }
}

export async function findSessionIdOfSsoToken(deps: Deps, ssoToken: string): Promise<string | null> {
  const session = await deps.store.sessions.findActiveBySsoTokenHash(sha256Hex(ssoToken), deps.clock.now());
  return session?.id ?? null;
}
