// Short-lived shared state (SSO flow records, counters, caches): Redis in production, a Map on one machine.
export interface EphemeralStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Atomic read-and-remove: of concurrent callers exactly one sees the value (single-use records). */
  getAndDelete(key: string): Promise<string | null>;
  /** Adds 1 and returns the new count; the TTL is set when the key is created. */
  increment(key: string, ttlMs: number): Promise<number>;
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
