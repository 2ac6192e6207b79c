// One contract for the ephemeral store, run on the in-process Map and on the real Redis.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
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
      const s = new RedisEphemeralStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix() });
      await s.waitUntilReady();
      return s;
    },
    pass: (ms) => new Promise((r) => setTimeout(r, ms)),
  },
];

for (const backend of backends) {
  describe(`ephemeral store contract [${backend.name}]`, () => {
    let store: EphemeralStore;
    beforeEach(async () => {
      store = await backend.make();
    });
    afterEach(() => store.close());

    test('set then get returns the value; delete removes it', async () => {
      await store.set('k', 'v', 10_000);
      assert.equal(await store.get('k'), 'v');
      await store.delete('k');
      assert.equal(await store.get('k'), null);
    });

    test('a value is gone after its TTL', async () => {
      await store.set('k', 'v', 50);
      await backend.pass(120);
      assert.equal(await store.get('k'), null);
    });

    test('getAndDelete is single use under concurrency: exactly one caller sees the value', async () => {
      await store.set('flow', 'record', 10_000);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.getAndDelete('flow')));
      assert.equal(results.filter((r) => r === 'record').length, 1);
      assert.equal(await store.get('flow'), null);
    });

    test('increment counts from 1 and the window starts at the first hit', async () => {
      const counts = await Promise.all(Array.from({ length: 5 }, () => store.increment('n', 10_000)));
      assert.deepEqual([...counts].sort(), [1, 2, 3, 4, 5]);
      await store.set('m', '0', 1);
      await backend.pass(20);
      assert.equal(await store.increment('m', 50), 1);
      await backend.pass(120);
      assert.equal(await store.increment('m', 50), 1, 'a new window after expiry');
    });

    test('ping answers when the store is up', async () => {
      await store.ping();
    });
  });
}
