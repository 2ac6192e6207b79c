// A gateway for API tests, built from the real pieces on one of the two storage modes:
//  embedded: SQLite file in a temp dir + in-process ephemeral state
//  mariadb:  a fresh MariaDB database + Redis (own key prefix), from the servers `npm test` started
// Tests drive it with supertest against the request listener main.ts serves (createRequestListener: no listening
// socket needed) or `listen()` for real HTTP on the gateway's own server (createGatewayServer).
import { mkdtempSync, rmSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp, createRequestListener } from '../../src/app.js';
import { requireConfig } from '../../src/config.js';
import { closeDeps, openDeps, type Deps } from '../../src/deps.js';
import { createGatewayServer, type ServerTimeouts } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { FakeClock } from './fake-clock.js';
import { createResponseChecker } from './openapi-check.js';
import { routeTable } from '../../src/routes.js';
import { createTestDatabase } from './mysql.js';
import { testRedisUrl, uniqueKeyPrefix } from './redis.js';

export type StorageMode = 'embedded' | 'mariadb';
export const STORAGE_MODES: readonly StorageMode[] = ['embedded', 'mariadb'];

/** Where a test gateway keeps its data; two gateways given the same one share it (multi-replica tests). */
export interface Storage {
  mode: StorageMode;
  env: Record<string, string>;
  redisKeyPrefix: string;
  destroy(): Promise<void>;
}

export async function createStorage(mode: StorageMode): Promise<Storage> {
  if (mode === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'gw-test-'));
    return {
      mode,
      env: { GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}` },
      redisKeyPrefix: '',
      destroy: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const db = await createTestDatabase();
  return {
    mode,
    env: { GATEWAY_DATABASE_URL: db.url, GATEWAY_REDIS_URL: testRedisUrl() },
    redisKeyPrefix: uniqueKeyPrefix('gw'),
    destroy: () => db.drop(),
  };
}

export interface TestGateway {
  mode: StorageMode;
  /** The storage it runs on: pass it to another startTestGateway for a second replica. */
  storage: Storage;
  deps: Deps;
  /** The Express app (route table and middleware); `listener` is what the server runs (verify ahead of it). */
  app: Express;
  listener: RequestListener;
  clock: FakeClock;
  http: ReturnType<typeof supertest>;
  /** Listens on 127.0.0.1:0 (once) and returns the base URL, for tests that need a real socket. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Extra GATEWAY_* variables (instance URL, trusted proxies, …). */
  env?: Record<string, string>;
  clock?: FakeClock;
  /** Reuse another gateway's storage (a second replica); it is then not destroyed on close. */
  storage?: Storage;
  /** Log level (default: TEST_LOG_LEVEL or silent) and where log lines go (default: stdout). */
  logLevel?: string;
  logDestination?: { write(line: string): void };
  /** Shorter server timeouts for `listen()` (slow-client tests). */
  serverTimeouts?: Partial<ServerTimeouts>;
}

export async function startTestGateway(mode: StorageMode, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const storage = options.storage ?? (await createStorage(mode));
  const ownsStorage = options.storage === undefined;
  const clock = options.clock ?? new FakeClock();
  const config = requireConfig({
    GATEWAY_LOG_LEVEL: options.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent',
    GATEWAY_PORT: '0',
    ...storage.env,
    ...options.env,
  });
  const deps = await openDeps(config, {
    clock,
    logger: createLogger(config.logLevel, options.logDestination),
    ...(storage.redisKeyPrefix ? { redisKeyPrefix: storage.redisKeyPrefix } : {}),
  });
  const app = createApp(deps);
  const listener = createRequestListener(deps, app);
  // Every answer given through `http` is checked against the OpenAPI document; close() fails on a mismatch.
  const responses = createResponseChecker(routeTable(deps), config.instanceUrl);
  let server: Server | null = null;
  let baseUrl: string | null = null;
  return {
    mode,
    storage,
    deps,
    app,
    listener,
    clock,
    http: supertest(responses.wrap(listener)),
    async listen() {
      if (baseUrl) return baseUrl;
      server = createGatewayServer(listener, options.serverTimeouts).listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return baseUrl;
    },
    async close() {
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await closeDeps(deps);
      if (ownsStorage) await storage.destroy();
      if (responses.mismatches.length > 0) {
        throw new Error(`responses that do not match the OpenAPI document (src/openapi/):\n  ${responses.mismatches.join('\n  ')}`);
      }
    },
  };
}
