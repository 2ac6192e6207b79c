// Redis ephemeral store (ioredis). No offline queue and short command timeouts: when Redis is down, callers get
// an error within the timeout (→ 503) instead of piling up, and the client reconnects by itself.
import { Redis, ReplyError } from 'ioredis';
import { DependencyDownError } from '../errors.js';
import type { EphemeralStore } from './ephemeral-store.js';

const INCREMENT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * ioredis reports a lost or unwritable connection and a command timeout as plain Errors whose only mark is their
 * text; everything but a ReplyError (Redis itself answered with an error) is the connection failing. Translated
 * here, where they enter, so callers branch on DependencyDownError's code.
 */
async function command<T>(run: Promise<T>): Promise<T> {
  try {
    return await run;
  } catch (err) {
    throw err instanceof ReplyError ? err : new DependencyDownError('redis', err);
  }
}

export interface RedisStoreOptions {
  url: string;
  keyPrefix?: string;
  commandTimeoutMs?: number;
}

export class RedisEphemeralStore implements EphemeralStore {
  readonly kind = 'redis' as const;
  readonly client: Redis;

  constructor(options: RedisStoreOptions) {
    this.client = new Redis(options.url, {
      keyPrefix: options.keyPrefix ?? 'gw:',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: 1000,
      lazyConnect: false,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    });
    // Connection errors surface on the commands; without a listener ioredis would log them unhandled.
    this.client.on('error', () => {});
  }

  /** Resolves once connected (or rejects after `timeoutMs`); used at start so the first request isn't a 503. */
  async waitUntilReady(timeoutMs = 5000): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Redis not reachable within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        cleanup();
        resolve();
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
      };
      this.client.on('ready', onReady);
    });
  }

  async get(key: string): Promise<string | null> {
    return command(this.client.get(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await command(this.client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  async getAndDelete(key: string): Promise<string | null> {
    return command(this.client.getdel(key));
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const n = await command(this.client.eval(INCREMENT_SCRIPT, 1, key, String(Math.max(1, Math.ceil(ttlMs)))));
    return Number(n);
  }

  async delete(key: string): Promise<void> {
    await command(this.client.del(key));
  }

  async ping(): Promise<void> {
    await command(this.client.ping());
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
