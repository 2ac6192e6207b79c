// A small in-process cache with a hard size bound and per-entry expiry, for the forward-auth hot path. When full,
// the oldest entry goes (insertion order): cheap, and a replica's caches never grow with traffic. Each find() is
// one hit or one miss on its meter (gateway_verify_cache_*_total).
import { NO_CACHE_METER, type CacheMeter } from '../metrics/metrics.js';

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export class BoundedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly maxEntries: number,
    private readonly meter: CacheMeter = NO_CACHE_METER,
  ) {
    if (maxEntries < 1) throw new Error('a cache needs room for one entry');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, if present and not expired at `now` (epoch ms). */
  find(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.meter.miss();
      return undefined;
    }
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      this.meter.miss();
      return undefined;
    }
    this.meter.hit();
    return entry.value;
  }

  /**
   * The value when present and not expired, counted as a hit; otherwise undefined and not counted (the caller's
   * slow path then calls find(), which counts the miss once). Lets the verify fast path answer synchronously.
   */
  peek(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expiresAt <= now) return undefined;
    this.meter.hit();
    return entry.value;
  }

  /** Like peek, but counts nothing: for a fast path that checks several caches and counts hits only if all agree. */
  peekQuiet(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    return entry === undefined || entry.expiresAt <= now ? undefined : entry.value;
  }

  countHit(): void {
    this.meter.hit();
  }

  set(key: string, value: V, expiresAt: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry whose value matches (revocations: rare, so a scan is fine). */
  deleteWhere(predicate: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
