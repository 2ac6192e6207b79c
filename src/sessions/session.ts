// A session is one sign-in on one device. Its refresh tokens form one family; revoking it revokes them all.
import type { User } from '../users/user.js';

export interface ClientInfo {
  userAgent: string;
  ipAddress: string;
  deviceType: string;
  os: string;
  browser: string;
}

export interface Session {
  id: string;
  userId: number;
  clientInfo: ClientInfo;
  createdAt: Date;
  lastActiveAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** Not revoked, not expired, and the user's own: what an access token's `sid` must name. */
export function isLiveSessionOf(session: Session, userId: number, now: Date): boolean {
  return session.userId === userId && session.revokedAt === null && session.expiresAt.getTime() > now.getTime();
}

export interface NewSession {
  id: string;
  userId: number;
  ssoTokenHash: string;
  clientInfo: ClientInfo;
  createdAt: Date;
  expiresAt: Date;
}

export interface SessionRepository {
  create(session: NewSession): Promise<void>;
  findById(id: string): Promise<Session | null>;
  /** The unrevoked, unexpired session whose `sso_session` cookie hashes to `hash`. */
  findActiveBySsoTokenHash(hash: string, now: Date): Promise<Session | null>;
  /**
   * The same session, its user and the user's effective groups (sorted) in one query (the /auth/verify cache
   * miss: at most one round trip).
   */
  findActiveWithUserBySsoTokenHash(hash: string, now: Date): Promise<{ session: Session; user: User; groups: string[] } | null>;
  /** A session and its user's effective groups in one query (access-token liveness at /auth/verify). */
  findByIdWithGroups(id: string): Promise<{ session: Session; groups: string[] } | null>;
  listActiveByUser(userId: number, now: Date): Promise<Session[]>;
  touch(id: string, at: Date): Promise<void>;
  /** Conditional: true when this call revoked it, false when it was already revoked or does not exist. */
  revoke(id: string, at: Date): Promise<boolean>;
  /** Revokes every live session of a user except `exceptId`; returns the ids revoked. */
  revokeAllForUser(userId: number, at: Date, exceptId?: string): Promise<string[]>;
  /** Deletes every session row of a user (user deletion); returns their ids. */
  deleteAllForUser(userId: number): Promise<string[]>;
}
