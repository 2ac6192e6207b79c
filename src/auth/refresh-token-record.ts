// The stored side of a refresh JWT: one row per `tid`, kept after rotation so a replay can be recognised.
export interface RefreshTokenRecord {
  tid: string;
  sessionId: string;
  userId: number;
  createdAt: Date;
  expiresAt: Date;
  rotatedAt: Date | null;
  replacedBy: string | null;
  revokedAt: Date | null;
}

export interface RefreshTokenRepository {
  create(record: { tid: string; sessionId: string; userId: number; createdAt: Date; expiresAt: Date; accessTokenHash?: string }): Promise<void>;
  findByTid(tid: string): Promise<RefreshTokenRecord | null>;
  /**
   * The rotation compare-and-set: marks `tid` rotated only if it is still live. Exactly one of any number of
   * concurrent callers gets true (RFC 9700 §4.14.2).
   */
  markRotated(tid: string, replacedBy: string, now: Date): Promise<boolean>;
  revokeBySession(sessionId: string, at: Date): Promise<number>;
  /**
   * Sessions whose refresh tokens were issued together with the access token whose SHA-256 is `hash` (bearer →
   * session). More than one when one user signed in twice within a second: the access JWTs are then identical.
   */
  listSessionIdsByAccessTokenHash(hash: string): Promise<string[]>;
  deleteAllForUser(userId: number): Promise<number>;
}
