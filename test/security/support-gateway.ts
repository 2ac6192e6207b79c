// Security-suite gateways: the real pieces of test/support/gateway.ts, plus what these tests need to look at
// afterwards: every log line the gateway wrote (a pino logger writing to memory) and a raw dump of every table
// of its database (SQLite file or MariaDB database), to search for secrets that must not be there.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import mysql from 'mysql2/promise';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { requireConfig } from '../../src/config.js';
import { closeDeps, openDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { FakeClock } from '../support/fake-clock.js';
import { createStorage, type StorageMode, type Storage, type TestGateway } from '../support/gateway.js';

export interface CapturingGateway extends TestGateway {
  /** Every log line written so far (pino JSON lines), at the level asked for (default trace: everything). */
  logs(): string;
}

export interface CapturingOptions {
  env?: Record<string, string>;
  clock?: FakeClock;
  storage?: Storage;
  logLevel?: string;
}

/** A gateway like startTestGateway's whose logger writes to memory, so tests can read what it logged. */
export async function startCapturingGateway(mode: StorageMode, options: CapturingOptions = {}): Promise<CapturingGateway> {
  const storage = options.storage ?? (await createStorage(mode));
  const ownsStorage = options.storage === undefined;
  const clock = options.clock ?? new FakeClock();
  const level = options.logLevel ?? 'trace';
  const config = requireConfig({ GATEWAY_LOG_LEVEL: level, GATEWAY_PORT: '0', ...storage.env, ...options.env });
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  const deps = await openDeps(config, {
    clock,
    logger,
    ...(storage.redisKeyPrefix ? { redisKeyPrefix: storage.redisKeyPrefix } : {}),
  });
  const app = createApp(deps);
  let server: Server | null = null;
  let baseUrl: string | null = null;
  return {
    mode,
    storage,
    deps,
    app,
    clock,
    http: supertest(app),
    logs: () => lines.join(''),
    async listen() {
      if (baseUrl) return baseUrl;
      server = app.listen(0, '127.0.0.1');
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
    },
  };
}

/** Every row of every table of the gateway's database, as one JSON text (binary columns as hex). */
export async function dumpDatabase(storage: Storage): Promise<string> {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  const tables: Record<string, unknown[]> = {};
  if (url.startsWith('sqlite:')) {
    const { default: SQLite } = await import('better-sqlite3');
    const db = new SQLite(url.slice('sqlite:'.length), { readonly: true });
    try {
      const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      for (const { name } of names) tables[name] = db.prepare(`SELECT * FROM "${name}"`).all();
    } finally {
      db.close();
    }
  } else {
    const connection = await mysql.createConnection(url);
    try {
      const [names] = await connection.query('SHOW TABLES');
      for (const row of names as Record<string, string>[]) {
        const name = Object.values(row)[0]!;
        const [rows] = await connection.query(`SELECT * FROM \`${name}\``);
        tables[name] = rows as unknown[];
      }
    } finally {
      await connection.end();
    }
  }
  return JSON.stringify(tables, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
      return Buffer.from((value as { data: number[] }).data).toString('hex');
    }
    return value;
  });
}

/** Every `length`-character window of `secret`: a search for any of them finds partial copies too. */
export function substringsOf(secret: string, length: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + length <= secret.length; i++) out.push(secret.slice(i, i + length));
  return out;
}

/** Counts the calls to `object[method]` (still calling through) until restore(). */
export function countCalls<T extends object, K extends keyof T>(object: T, method: K): { count(): number; restore(): void } {
  const original = object[method] as unknown as (...args: unknown[]) => unknown;
  let calls = 0;
  object[method] = function counted(this: unknown, ...args: unknown[]) {
    calls += 1;
    return original.apply(this, args);
  } as unknown as T[K];
  return {
    count: () => calls,
    restore: () => {
      object[method] = original as unknown as T[K];
    },
  };
}
