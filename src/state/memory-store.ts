// In-process ephemeral store for the one-machine default. Same semantics as Redis: TTLs, atomic getAndDelete.
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Clock } from '../clock.js';
import type { EphemeralStore, LimiterOptions } from './ephemeral-store.js';

interface Entry {
  value: string;
  expiresAt: number;
}

const SWEEP_EVERY = 1000;

export class MemoryEphemeralStore implements EphemeralStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private writes = 0;

  constructor(private readonly clock: Clock) {}

  private live(key: string): Entry | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.clock.now().getTime()) {
      this.entries.delete(key);
      return null;
    }
    return entry;
  }

  private sweep(): void {
    // Bounded memory: drop expired entries every so many writes.
    if (++this.writes % SWEEP_EVERY !== 0) return;
    const now = this.clock.now().getTime();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.sweep();
    this.entries.set(key, { value, expiresAt: this.clock.now().getTime() + ttlMs });
  }

  async getAndDelete(key: string): Promise<string | null> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value ?? null;
  }

  limiter(options: LimiterOptions): RateLimiterAbstract {
    return new RateLimiterMemory({ points: options.points, duration: options.durationSeconds, keyPrefix: options.keyPrefix });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
  }
}
