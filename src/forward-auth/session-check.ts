// The `sso_session` cookie at /auth/verify: its SHA-256 names a session row; the session and its user are read
// from the database with the user's groups (one joined query) at most once per SESSION_CACHE_TTL_MS per cookie on this replica
// (concurrent misses share one lookup). A revocation on this replica ('sessions-revoked', 'user-changed') drops the entries at once, also
// for lookups still in flight; another process's revocation arrives through state/event-relay.ts (Redis pub/sub),
// and without Redis delivery, when the entry expires (< 5 s).
import { sha256Hex } from '../auth/secrets.js';
import type { SessionRepository } from '../sessions/session.js';
import { NO_CACHE_METER, type CacheMeter } from '../metrics/metrics.js';
import { BoundedCache } from './bounded-cache.js';
import { buildIdentity, type Identity } from './identity.js';
import { withDeadline } from './deadline.js';

export const SESSION_CACHE_TTL_MS = 4000;
const MAX_CACHED_SESSIONS = 20_000;
/** randomToken(): 32 bytes, base64url. Anything else cannot be ours and costs no lookup. */
const SSO_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

interface SessionEntry {
  sessionId: string;
  identity: Identity;
}

export class SessionCheck {
  private readonly cache: BoundedCache<SessionEntry>;
  private readonly inFlight = new Map<string, Promise<SessionEntry | null>>();
  /** Bumped by every revocation: a lookup that started before one does not fill the cache. */
  private generation = 0;

  constructor(
    private readonly repos: { sessions: Pick<SessionRepository, 'findActiveWithUserBySsoTokenHash'> },
    private readonly lookupTimeoutMs: number,
    meter: CacheMeter = NO_CACHE_METER,
  ) {
    this.cache = new BoundedCache<SessionEntry>(MAX_CACHED_SESSIONS, meter);
  }

  async check(ssoToken: string, now: number): Promise<Identity | null> {
    if (!SSO_TOKEN_SHAPE.test(ssoToken)) return null;
    const hash = sha256Hex(ssoToken);
    const cached = this.cache.find(hash, now);
    if (cached !== undefined) return cached.identity;
    let pending = this.inFlight.get(hash);
    if (pending === undefined) {
      const started = this.lookup(hash, now).finally(() => {
        if (this.inFlight.get(hash) === started) this.inFlight.delete(hash);
      });
      pending = started;
      this.inFlight.set(hash, started);
    }
    return (await pending)?.identity ?? null;
  }

  /** The identity when the cookie's entry is cached and fresh (no promise); undefined: ask check(). */
  peek(ssoToken: string, now: number): Identity | undefined {
    if (!SSO_TOKEN_SHAPE.test(ssoToken)) return undefined;
    return this.cache.peek(sha256Hex(ssoToken), now)?.identity;
  }

  forgetSessions(ids: readonly string[]): void {
    this.generation += 1;
    const gone = new Set(ids);
    this.cache.deleteWhere((e) => gone.has(e.sessionId));
    this.inFlight.clear();
  }

  forgetAll(): void {
    this.generation += 1;
    this.cache.clear();
    this.inFlight.clear();
  }

  forgetUser(userId: number): void {
    this.generation += 1;
    this.cache.deleteWhere((e) => e.identity.userId === userId);
    this.inFlight.clear();
  }

  private async lookup(hash: string, now: number): Promise<SessionEntry | null> {
    const generation = this.generation;
    const at = new Date(now);
    const found = await withDeadline(this.repos.sessions.findActiveWithUserBySsoTokenHash(hash, at), this.lookupTimeoutMs);
    if (found === null || found.user.state !== 'NORMAL') return null;
    const { session, user, groups } = found;
    const entry: SessionEntry = { sessionId: session.id, identity: buildIdentity(user, groups) };
    // The entry's age counts from the read, not from the answer: a slow answer does not stretch the 5 s bound.
    if (generation === this.generation) this.cache.set(hash, entry, Math.min(now + SESSION_CACHE_TTL_MS, session.expiresAt.getTime()));
    return entry;
  }
}
