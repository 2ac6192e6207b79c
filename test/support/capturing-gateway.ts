// Security-suite gateways: the real pieces of test/support/gateway.ts, plus what these tests need to look at
// afterwards: every log line the gateway wrote (a pino logger writing to memory) and a raw dump of every table
// of its database (SQLite file or MariaDB database), to search for secrets that must not be there.
import { dumpDatabase as dumpRows } from './db-dump.js';
import type { FakeClock } from './fake-clock.js';
import { startTestGateway, type StorageMode, type Storage, type TestGateway } from './gateway.js';

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
  const lines: string[] = [];
  const gw = await startTestGateway(mode, {
    ...options,
    logLevel: options.logLevel ?? 'trace',
    logDestination: { write: (line: string) => void lines.push(line) },
  });
  return { ...gw, logs: () => lines.join('') };
}

/** Every row of every table of the gateway's database (db-dump.ts), as one JSON text to search for secrets. */
export async function dumpDatabase(storage: Storage): Promise<string> {
  return JSON.stringify(await dumpRows(storage));
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
