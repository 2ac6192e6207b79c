// Access JWTs at /auth/verify. A verified token is kept until its exp (bounded cache keyed by the token itself);
// claims decide: status must be ACTIVE, role and username come from the token. The token's session (`sid`) must
// be live: its liveness is cached per session for SESSION_CACHE_TTL_MS, the bound the session cookie has, so a
// cache miss costs one database lookup (DESIGN §7's "no database for access tokens" now holds only for hits).
// 'sessions-revoked' drops the entries at once, on this process and (state/event-relay.ts) on every other.
// The user's groups come with that same liveness read (one joined query) and are kept beside it; a token's
// identity is rebuilt when they differ from the ones it was built with. 'groups-changed' drops the user's
// liveness entries, so new groups count from the next request (on other processes through the relay).
// A token without `sid` (issued before it existed) is refused: it lives ≤ 15 min and its session is unknown.
// To refuse a changed user (archived, demoted) sooner than the token's 15 minutes, a 'user-changed' event on
// this replica marks the user with the change's millisecond: tokens whose `iat` second is not after it are
// refused (a token of that very second may predate the change; iat has whole seconds), and the client must
// refresh (which reads the database). Other processes get the event through the relay. A hit is refused once its
// key has left the ring or retired; 'keys-rotated' and 'caches-stale' drop every entry (jose verifies again).
import { decodeProtectedHeader } from 'jose';
import { ACCESS_TOKEN_TTL_SECONDS, verifyAccessToken } from '../auth/access-token.js';
import { InvalidTokenError } from '../auth/jwt.js';
import type { KeyRing } from '../auth/keys.js';
import { isLiveSessionOf, type SessionRepository } from '../sessions/session.js';
import { isValidUsername } from '../users/username.js';
import { NO_CACHE_METER, type CacheMeter } from '../metrics/metrics.js';
import { BoundedCache } from './bounded-cache.js';
import { withDeadline } from './deadline.js';
import { buildIdentity, type Identity, type IdentitySource } from './identity.js';
import { SESSION_CACHE_TTL_MS } from './session-check.js';

const MAX_CACHED_TOKENS = 20_000;
const MAX_CACHED_SESSIONS = 20_000;
const MAX_MARKED_USERS = 100_000;
const ROLES = new Set(['ADMIN', 'USER']);
const NO_GROUPS: readonly string[] = Object.freeze([]);

/** A session's liveness as last read, with its user's groups read in the same query. */
interface Liveness {
  live: boolean;
  userId: number;
  groups: readonly string[];
}

interface TokenEntry {
  /** The token's claims as an identity source (no email: Memos' claim set). */
  source: IdentitySource;
  identity: Identity;
  /** The groups `identity` was built with (the liveness entry's list, compared by reference). */
  groups: readonly string[];
  /** The key that verified it: a hit is refused once the ring no longer holds it, or it has retired. */
  kid: string;
  sessionId: string;
  issuedAtSeconds: number;
  expiresAt: number;
}

export class AccessTokenCheck {
  private readonly verified: BoundedCache<TokenEntry>;
  /** sessionId → live or not, as last read; a dead session stays dead, so that answer is kept longer. */
  private readonly liveness: BoundedCache<Liveness>;
  private readonly inFlight = new Map<string, Promise<Liveness>>();
  /** Bumped by every revocation: a lookup that started before one does not fill the cache. */
  private generation = 0;
  /** userId → the epoch millisecond of its last change; tokens issued in or before that second are refused. */
  private readonly changedAt = new Map<number, number>();

  constructor(
    private readonly keys: KeyRing,
    private readonly sessions: Pick<SessionRepository, 'findByIdWithGroups'>,
    private readonly lookupTimeoutMs: number,
    meters: { tokens: CacheMeter; sessions: CacheMeter } = { tokens: NO_CACHE_METER, sessions: NO_CACHE_METER },
  ) {
    this.verified = new BoundedCache<TokenEntry>(MAX_CACHED_TOKENS, meters.tokens);
    this.liveness = new BoundedCache<Liveness>(MAX_CACHED_SESSIONS, meters.sessions);
  }

  /** The identity of a valid token, or null (invalid, expired, not ACTIVE, session ended, or issued before a change). */
  async check(token: string, now: number): Promise<Identity | null> {
    let entry = this.verified.find(token, now);
    if (entry === undefined) {
      const fresh = await this.verify(token, now);
      if (fresh === null) return null;
      entry = fresh;
      this.verified.set(token, entry, entry.expiresAt);
    }
    const key = this.keys.find(entry.kid);
    if (key === null || (key.retiresAt !== null && key.retiresAt.getTime() <= now)) {
      this.verified.delete(token);
      return null;
    }
    const changed = this.changedAt.get(entry.identity.userId);
    if (changed !== undefined && entry.issuedAtSeconds * 1000 <= changed) return null;
    const liveness = await this.isSessionLive(entry, now);
    if (!liveness.live) return null;
    if (liveness.groups !== entry.groups) {
      entry.identity = buildIdentity(entry.source, liveness.groups);
      entry.groups = liveness.groups;
    }
    return entry.identity;
  }

  /** The user's groups changed: their sessions' entries (and groups) are read again. */
  forgetGroupsOf(userId: number): void {
    this.generation += 1;
    this.liveness.deleteWhere((l) => l.userId === userId);
    this.inFlight.clear();
  }

  /**
   * The identity when everything is already known and valid (token verified, key still held, no later change,
   * session live per cache, groups unchanged), with no promise and no allocation; undefined: ask check().
   */
  peek(token: string, now: number): Identity | undefined {
    const entry = this.verified.peekQuiet(token, now);
    if (entry === undefined) return undefined;
    const key = this.keys.find(entry.kid);
    if (key === null || (key.retiresAt !== null && key.retiresAt.getTime() <= now)) return undefined;
    const changed = this.changedAt.get(entry.identity.userId);
    if (changed !== undefined && entry.issuedAtSeconds * 1000 <= changed) return undefined;
    const liveness = this.liveness.peekQuiet(entry.sessionId, now);
    if (liveness === undefined || !liveness.live || liveness.groups !== entry.groups) return undefined;
    this.verified.countHit();
    this.liveness.countHit();
    return entry.identity;
  }

  /** A user changed at `now`: their earlier tokens stop working here. */
  forgetUser(userId: number, now: number): void {
    if (this.changedAt.size >= MAX_MARKED_USERS) this.pruneMarks(now);
    this.changedAt.delete(userId);
    this.changedAt.set(userId, now);
    this.verified.deleteWhere((e) => e.identity.userId === userId);
  }

  /** The key ring changed, or events may have been missed: every token is verified again, sessions re-read. */
  forgetAll(): void {
    this.generation += 1;
    this.verified.clear();
    this.liveness.clear();
    this.inFlight.clear();
  }

  /** Sessions revoked on this replica: their tokens fail from the next request on. */
  forgetSessions(ids: readonly string[]): void {
    this.generation += 1;
    for (const id of ids) this.liveness.delete(id);
    this.inFlight.clear();
  }

  private async isSessionLive(entry: TokenEntry, now: number): Promise<Liveness> {
    const cached = this.liveness.find(entry.sessionId, now);
    if (cached !== undefined) return cached;
    let pending = this.inFlight.get(entry.sessionId);
    if (pending === undefined) {
      const started = this.lookupSession(entry, now).finally(() => {
        if (this.inFlight.get(entry.sessionId) === started) this.inFlight.delete(entry.sessionId);
      });
      pending = started;
      this.inFlight.set(entry.sessionId, started);
    }
    return pending;
  }

  private async lookupSession(entry: TokenEntry, now: number): Promise<Liveness> {
    const generation = this.generation;
    const found = await withDeadline(this.sessions.findByIdWithGroups(entry.sessionId), this.lookupTimeoutMs);
    const session = found?.session ?? null;
    const live = session !== null && isLiveSessionOf(session, entry.identity.userId, new Date(now));
    const liveness: Liveness = { live, userId: entry.identity.userId, groups: Object.freeze(found?.groups ?? []) };
    // Counted from the read, as the session cookie's entries; a revoked or expired session never comes back.
    const until = live ? Math.min(now + SESSION_CACHE_TTL_MS, session.expiresAt.getTime()) : entry.expiresAt;
    if (generation === this.generation) this.liveness.set(entry.sessionId, liveness, until);
    return liveness;
  }

  private async verify(token: string, now: number): Promise<TokenEntry | null> {
    let claims;
    try {
      claims = await verifyAccessToken(this.keys, token, new Date(now));
    } catch (err) {
      if (err instanceof InvalidTokenError) return null;
      throw err;
    }
    if (claims.status !== 'ACTIVE' || !ROLES.has(claims.role) || !isValidUsername(claims.username)) return null;
    if (claims.sessionId === null) return null;
    const source: IdentitySource = {
      id: claims.userId,
      username: claims.username,
      role: claims.role,
      email: '',
      emailVerified: false,
      usernameLocked: claims.usernameLocked,
    };
    return {
      source,
      identity: buildIdentity(source),
      groups: NO_GROUPS,
      kid: String(decodeProtectedHeader(token).kid),
      sessionId: claims.sessionId,
      issuedAtSeconds: Math.floor(claims.issuedAt.getTime() / 1000),
      expiresAt: claims.expiresAt.getTime(),
    };
  }

  /** Marks older than any live token mean nothing any more. */
  private pruneMarks(now: number): void {
    for (const [userId, at] of this.changedAt) {
      if (at <= now - ACCESS_TOKEN_TTL_SECONDS * 1000) this.changedAt.delete(userId);
    }
    while (this.changedAt.size >= MAX_MARKED_USERS) {
      const oldest = this.changedAt.keys().next();
      if (oldest.done) break;
      this.changedAt.delete(oldest.value);
    }
  }
}
