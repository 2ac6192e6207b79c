// Short-lived shared state (SSO flow records, counters, caches): Redis in production, a Map on one machine.
// Counting (brute-force regulation) goes through `limiter`: the store hands out a rate-limiter-flexible limiter
// over itself, so no domain module needs the Redis driver.
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/** A failure counter: `points` per window of `durationSeconds`, its keys under `keyPrefix`. */
export interface LimiterOptions {
  points: number;
  durationSeconds: number;
  keyPrefix: string;
}

export interface EphemeralStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Atomic read-and-remove: of concurrent callers exactly one sees the value (single-use records). */
  getAndDelete(key: string): Promise<string | null>;
  /**
   * A limiter whose counts live in this store: atomic per key (INCR in Redis), so concurrent attempts cannot all
   * pass. Redis-backed limiters fall back to an in-process one while Redis fails: per-replica, never unlimited.
   */
  limiter(options: LimiterOptions): RateLimiterAbstract;
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
