// One contract for express-session's Store over the ephemeral store, run on the in-process Map and on real Redis:
// what express-session calls (set/get/touch/destroy) and the TTL it takes from the session cookie.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { SessionData } from 'express-session';
import { EphemeralSessionStore } from '../../src/state/browser-session-store.js';
import type { EphemeralStore } from '../../src/state/ephemeral-store.js';
import { MemoryEphemeralStore } from '../../src/state/memory-store.js';
import { RedisEphemeralStore } from '../../src/state/redis-store.js';
import { FakeClock } from '../support/fake-clock.js';
import { testRedisUrl, uniqueKeyPrefix } from '../support/redis.js';

interface Backend {
  name: string;
  make(): Promise<EphemeralStore>;
  /** Lets `ms` pass: the fake clock for memory, real time for Redis (kept short). */
  pass(ms: number): Promise<void>;
}

const clock = new FakeClock();
const backends: Backend[] = [
  { name: 'memory', make: async () => new MemoryEphemeralStore(clock), pass: async (ms) => clock.advance(ms) },
  {
    name: 'redis',
    make: async () => {
      const s = new RedisEphemeralStore({ target: { kind: 'standalone', url: testRedisUrl() }, keyPrefix: uniqueKeyPrefix() });
      await s.waitUntilReady();
      return s;
    },
    pass: (ms) => new Promise((r) => setTimeout(r, ms)),
  },
];

/** What express-session hands a store: the data plus a cookie whose `maxAge` is the remaining lifetime in ms. */
function sessionData(maxAgeMs: number | null, extra: Partial<SessionData> = {}): SessionData {
  return { cookie: { originalMaxAge: maxAgeMs, maxAge: maxAgeMs ?? undefined, path: '/', httpOnly: true }, ...extra } as SessionData;
}

function call<T>(fn: (cb: (err?: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

for (const backend of backends) {
  describe(`browser session store contract [${backend.name}]`, () => {
    let ephemeral: EphemeralStore;
    let store: EphemeralSessionStore;
    beforeEach(async () => {
      ephemeral = await backend.make();
      store = new EphemeralSessionStore(ephemeral, 10_000);
    });
    afterEach(() => ephemeral.close());

    const get = (sid: string) => call<SessionData | null>((cb) => store.get(sid, cb));
    const set = (sid: string, data: SessionData) => call((cb) => store.set(sid, data, cb));
    const touch = (sid: string, data: SessionData) => call((cb) => store.touch(sid, data, cb));
    const destroy = (sid: string) => call((cb) => store.destroy(sid, cb));

    test('set then get returns the session data; an unknown id is null', async () => {
      await set('s1', sessionData(10_000, { csrfToken: 'abc' }));
      const found = await get('s1');
      assert.equal(found?.csrfToken, 'abc');
      assert.equal(found?.cookie.originalMaxAge, 10_000);
      assert.equal(await get('nope'), null);
    });

    test('set overwrites what was stored', async () => {
      await set('s1', sessionData(10_000, { csrfToken: 'first' }));
      await set('s1', sessionData(10_000, { csrfToken: 'second' }));
      assert.equal((await get('s1'))?.csrfToken, 'second');
    });

    test('destroy removes the session; destroying an unknown id is no error', async () => {
      await set('s1', sessionData(10_000, { csrfToken: 'abc' }));
      await destroy('s1');
      assert.equal(await get('s1'), null);
      await destroy('never-existed');
    });

    test("a session is gone when its cookie's Max-Age has passed", async () => {
      await set('short', sessionData(50, { csrfToken: 'abc' }));
      await set('long', sessionData(10_000, { csrfToken: 'def' }));
      await backend.pass(150);
      assert.equal(await get('short'), null);
      assert.equal((await get('long'))?.csrfToken, 'def');
    });

    test('a session whose cookie has no Max-Age lives for the fallback TTL', async () => {
      const shortFallback = new EphemeralSessionStore(ephemeral, 50);
      await call((cb) => shortFallback.set('s', sessionData(null, { csrfToken: 'abc' }), cb));
      assert.equal((await get('s'))?.csrfToken, 'abc');
      await backend.pass(150);
      assert.equal(await get('s'), null);
    });

    test('touch extends the lifetime and keeps the stored data', async () => {
      await set('s1', sessionData(100, { csrfToken: 'stored' }));
      await backend.pass(60);
      await touch('s1', sessionData(10_000, { csrfToken: 'stale copy' }));
      await backend.pass(100);
      assert.equal((await get('s1'))?.csrfToken, 'stored', 'alive past its first Max-Age, with the stored data');
    });

    test('touch does not bring back a destroyed or expired session', async () => {
      await set('s1', sessionData(10_000, { csrfToken: 'abc' }));
      await destroy('s1');
      await touch('s1', sessionData(10_000, { csrfToken: 'abc' }));
      assert.equal(await get('s1'), null);
    });

    test('sessions of different ids are independent', async () => {
      await set('a', sessionData(10_000, { csrfToken: 'A' }));
      await set('b', sessionData(10_000, { csrfToken: 'B' }));
      await destroy('a');
      assert.equal(await get('a'), null);
      assert.equal((await get('b'))?.csrfToken, 'B');
    });
  });
}
