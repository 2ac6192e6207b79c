// Access JWTs at /auth/verify: checked without any database, as DESIGN §7 requires. A verified token is kept
// until its exp (bounded cache keyed by the token itself), so a client's repeated requests cost a map lookup.
// Claims decide: status must be ACTIVE, role and username come from the token. To refuse a changed user
// (archived, demoted) sooner than the token's 15 minutes, a 'user-changed' event on this replica marks the user:
// tokens issued before that second are refused from then on and the client must refresh (which reads the
// database). Other replicas do not see the event: there the window is the token's remaining life (≤ 15 min).
import { ACCESS_TOKEN_TTL_SECONDS, verifyAccessToken } from '../auth/access-token.js';
import { InvalidTokenError } from '../auth/jwt.js';
import type { KeyRing } from '../auth/keys.js';
import { isValidUsername } from '../users/username.js';
import { BoundedCache } from './bounded-cache.js';
import { buildIdentity, type Identity } from './identity.js';

const MAX_CACHED_TOKENS = 20_000;
const MAX_MARKED_USERS = 100_000;
const ROLES = new Set(['ADMIN', 'USER']);

interface TokenEntry {
  identity: Identity;
  issuedAtSeconds: number;
}

export class AccessTokenCheck {
  private readonly verified = new BoundedCache<TokenEntry>(MAX_CACHED_TOKENS);
  /** userId → the second of its last change; tokens issued before it are refused. */
  private readonly changedAt = new Map<number, number>();

  constructor(private readonly keys: KeyRing) {}

  /** The identity of a valid token, or null (invalid, expired, not ACTIVE, or issued before a change). */
  async check(token: string, now: number): Promise<Identity | null> {
    let entry = this.verified.find(token, now);
    if (entry === undefined) {
      const fresh = await this.verify(token, now);
      if (fresh === null) return null;
      entry = fresh.entry;
      this.verified.set(token, entry, fresh.expiresAt);
    }
    const changed = this.changedAt.get(entry.identity.userId);
    if (changed !== undefined && entry.issuedAtSeconds < changed) return null;
    return entry.identity;
  }

  /** A user changed at `now`: their earlier tokens stop working here. */
  forgetUser(userId: number, now: number): void {
    const second = Math.floor(now / 1000);
    if (this.changedAt.size >= MAX_MARKED_USERS) this.pruneMarks(second);
    this.changedAt.delete(userId);
    this.changedAt.set(userId, second);
    this.verified.deleteWhere((e) => e.identity.userId === userId);
  }

  private async verify(token: string, now: number): Promise<{ entry: TokenEntry; expiresAt: number } | null> {
    let claims;
    try {
      claims = await verifyAccessToken(this.keys, token, new Date(now));
    } catch (err) {
      if (err instanceof InvalidTokenError) return null;
      throw err;
    }
    if (claims.status !== 'ACTIVE' || !ROLES.has(claims.role) || !isValidUsername(claims.username)) return null;
    const identity = buildIdentity({ id: claims.userId, username: claims.username, role: claims.role, email: '' });
    return {
      entry: { identity, issuedAtSeconds: Math.floor(claims.issuedAt.getTime() / 1000) },
      expiresAt: claims.expiresAt.getTime(),
    };
  }

  /** Marks older than any live token mean nothing any more. */
  private pruneMarks(nowSecond: number): void {
    for (const [userId, second] of this.changedAt) {
      if (second <= nowSecond - ACCESS_TOKEN_TTL_SECONDS) this.changedAt.delete(userId);
    }
    while (this.changedAt.size >= MAX_MARKED_USERS) {
      const oldest = this.changedAt.keys().next();
      if (oldest.done) break;
      this.changedAt.delete(oldest.value);
    }
  }
}
