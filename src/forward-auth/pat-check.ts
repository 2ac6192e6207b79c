// Personal access tokens at /auth/verify, through the PAT authenticator (deps.pats) behind a bounded
// cache keyed by the token's SHA-256, the owner's groups read on a miss and kept in the entry (PAT_CACHE_TTL_MS;
// concurrent misses share one lookup). 'pats-revoked' and 'user-changed' drop entries at once, here and
// (state/event-relay.ts) on other processes; without Redis delivery a revocation elsewhere is seen when the entry
// expires (< 5 s), as is a PAT's own expiry.
import type { PatAuthenticator } from '../auth/authenticate.js';
import { sha256Hex } from '../auth/secrets.js';
import { NO_CACHE_METER, type CacheMeter } from '../metrics/metrics.js';
import { BoundedCache } from './bounded-cache.js';
import { withDeadline } from './deadline.js';
import { buildIdentity, type Identity } from './identity.js';

export const PAT_CACHE_TTL_MS = 4000;
const MAX_CACHED_PATS = 20_000;
/** `memos_pat_` + 32 alphanumerics; longer values are refused before any work. */
const MAX_PAT_LENGTH = 128;

interface PatEntry {
  tokenId: string;
  identity: Identity;
}

export class PatCheck {
  private readonly cache: BoundedCache<PatEntry>;
  private readonly inFlight = new Map<string, Promise<PatEntry | null>>();
  private generation = 0;

  constructor(
    private readonly authenticator: PatAuthenticator,
    /** The user's effective groups, read with the token on a cache miss and kept in the same entry. */
    private readonly groups: (userId: number) => Promise<string[]>,
    private readonly lookupTimeoutMs: number,
    meter: CacheMeter = NO_CACHE_METER,
  ) {
    this.cache = new BoundedCache<PatEntry>(MAX_CACHED_PATS, meter);
  }

  async check(token: string, now: number): Promise<Identity | null> {
    if (token.length > MAX_PAT_LENGTH) return null;
    const hash = sha256Hex(token);
    const cached = this.cache.find(hash, now);
    if (cached !== undefined) return cached.identity;
    let pending = this.inFlight.get(hash);
    if (pending === undefined) {
      const started = this.lookup(token, hash, now).finally(() => {
        if (this.inFlight.get(hash) === started) this.inFlight.delete(hash);
      });
      pending = started;
      this.inFlight.set(hash, started);
    }
    return (await pending)?.identity ?? null;
  }

  forgetAll(): void {
    this.generation += 1;
    this.cache.clear();
    this.inFlight.clear();
  }

  /** The identity when the token's entry is cached and fresh (no promise); undefined: ask check(). */
  peek(token: string, now: number): Identity | undefined {
    if (token.length > MAX_PAT_LENGTH) return undefined;
    return this.cache.peek(sha256Hex(token), now)?.identity;
  }

  forgetUser(userId: number): void {
    this.generation += 1;
    this.cache.deleteWhere((e) => e.identity.userId === userId);
    this.inFlight.clear();
  }

  forgetTokens(tokenIds: readonly string[]): void {
    this.generation += 1;
    const gone = new Set(tokenIds);
    this.cache.deleteWhere((e) => gone.has(e.tokenId));
    this.inFlight.clear();
  }

  private async lookup(token: string, hash: string, now: number): Promise<PatEntry | null> {
    const generation = this.generation;
    const found = await withDeadline(this.authenticator.authenticate(token), this.lookupTimeoutMs);
    if (found === null || found.user.state !== 'NORMAL') return null;
    const groups = await withDeadline(this.groups(found.user.id), this.lookupTimeoutMs);
    const entry: PatEntry = { tokenId: found.tokenId, identity: buildIdentity(found.user, groups) };
    if (generation === this.generation) this.cache.set(hash, entry, now + PAT_CACHE_TTL_MS);
    return entry;
  }
}
