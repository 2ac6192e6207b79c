// Redis ephemeral store (ioredis): one server, a Sentinel-managed primary or a Cluster. No offline queue and short
// command timeouts: when Redis is down (or failing over), callers get an error within the timeout (→ 503) instead
// of piling up, and the client reconnects by itself (to the promoted primary, or the cluster's new slot owner).
// Every operation touches one key, so each stays in one Cluster slot; an operation over several keys must put
// them under one hash tag (`{…}`) to keep that true.
import { Cluster, Redis, ReplyError, type RedisOptions } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DependencyDownError } from '../errors.js';
import type { EphemeralStore, LimiterOptions } from './ephemeral-store.js';
import type { RedisTarget } from './redis-target.js';

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
  target: RedisTarget;
  keyPrefix?: string;
  commandTimeoutMs?: number;
}

/** Clients closed on purpose (closeRedis): their 'end' is final. */
const closedOnPurpose = new WeakSet<Redis | Cluster>();

/** Closes a client from connectRedis for good (a bare disconnect() would be taken for a failure and reconnected). */
export function closeRedis(client: Redis | Cluster): void {
  closedOnPurpose.add(client);
  client.disconnect();
}

/**
 * ioredis gives up on a client for good ('end', no more reconnects) when a connect attempt is interrupted, which
 * its Sentinel failover detector does when +switch-master arrives while the client is asking a Sentinel where the
 * primary is: exactly during a failover. Such a client is connected again here, so the gateway recovers by itself.
 */
function reconnectWhenEnded(client: Redis, delayMs: number): Redis {
  client.on('end', () => {
    if (closedOnPurpose.has(client)) return;
    setTimeout(() => {
      if (!closedOnPurpose.has(client) && client.status === 'end') client.connect().catch(() => {});
    }, delayMs).unref();
  });
  return client;
}

/** One client for any of the three shapes; the caller owns it and closes it with closeRedis. */
export function connectRedis(target: RedisTarget, options: { keyPrefix: string; commandTimeoutMs: number }): Redis | Cluster {
  const retryStrategy = (attempt: number) => Math.min(attempt * 100, 1000);
  const common: RedisOptions = {
    keyPrefix: options.keyPrefix,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 1000,
  };
  if (target.kind === 'cluster') {
    return new Cluster(
      target.nodes.map((n) => ({ host: n.host, port: n.port })),
      {
        enableOfflineQueue: false,
        clusterRetryStrategy: retryStrategy,
        // A moved slot or a failed-over primary is learnt from MOVED/ASK replies and from this refresh.
        slotsRefreshTimeout: 1000,
        slotsRefreshInterval: 2000,
        redisOptions: { ...common, ...(target.password ? { password: target.password } : {}) },
      },
    );
  }
  if (target.kind === 'sentinel') {
    const client = new Redis({
      ...common,
      sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: target.masterName,
      ...(target.password ? { password: target.password, sentinelPassword: target.password } : {}),
      enableOfflineQueue: false,
      retryStrategy,
      sentinelRetryStrategy: retryStrategy,
      // A hung Sentinel (accepting connections, answering nothing) is skipped for the next one instead of holding
      // the reconnect forever (ioredis sets no timeout on Sentinel commands by default).
      sentinelCommandTimeout: 1000,
      // Reconnect as soon as a Sentinel announces a new primary rather than when the old one times out.
      failoverDetector: true,
    });
    return reconnectWhenEnded(client, 1000);
  }
  return reconnectWhenEnded(new Redis(target.url, { ...common, enableOfflineQueue: false, retryStrategy }), 1000);
}

export class RedisEphemeralStore implements EphemeralStore {
  readonly kind = 'redis' as const;
  readonly client: Redis | Cluster;

  constructor(options: RedisStoreOptions) {
    this.client = connectRedis(options.target, { keyPrefix: options.keyPrefix ?? 'gw:', commandTimeoutMs: options.commandTimeoutMs ?? 1000 });
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

  limiter(options: LimiterOptions): RateLimiterAbstract {
    const common = { points: options.points, duration: options.durationSeconds, keyPrefix: options.keyPrefix };
    // The insurance limiter takes over while Redis fails: limits become per replica, never absent.
    return new RateLimiterRedis({ ...common, storeClient: this.client, useRedisPackage: false, insuranceLimiter: new RateLimiterMemory(common) });
  }

  async delete(key: string): Promise<void> {
    await command(this.client.del(key));
  }

  async ping(): Promise<void> {
    await command(this.client.ping());
  }

  async close(): Promise<void> {
    closeRedis(this.client);
  }
}
