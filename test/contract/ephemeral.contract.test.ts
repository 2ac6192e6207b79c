// One contract for the ephemeral store, run on the in-process Map, on the real Redis, on a Sentinel-managed primary
// and on a 3-primary Redis Cluster.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { EphemeralStore } from '../../src/state/ephemeral-store.js';
import { MemoryEphemeralStore } from '../../src/state/memory-store.js';
import { RedisEphemeralStore } from '../../src/state/redis-store.js';
import { FakeClock } from '../support/fake-clock.js';
import { sleep } from '../support/services.js';
import { testRedisUrl, uniqueKeyPrefix } from '../support/redis.js';
import { startRedisCluster, startSentinelSet, type RedisCluster, type SentinelSet } from '../support/redis-topologies.js';
import { parseRedisTarget, type RedisTarget } from '../../src/state/redis-target.js';

interface Backend {
  name: string;
  /** Starts what the backend needs (once per file). */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  make(): Promise<EphemeralStore>;
  /** Lets `ms` pass: the fake clock for memory, real time for Redis (kept short). */
  pass(ms: number): Promise<void>;
}

const clock = new FakeClock();
function targetOf(env: { url?: string; clusterNodes?: string }): RedisTarget {
  const parsed = parseRedisTarget(env);
  assert.ok(parsed.ok && parsed.target, JSON.stringify(parsed));
  return parsed.target;
}

async function connected(target: RedisTarget): Promise<EphemeralStore> {
  const s = new RedisEphemeralStore({ target, keyPrefix: uniqueKeyPrefix() });
  await s.waitUntilReady();
  return s;
}

let sentinelSet: SentinelSet | undefined;
let cluster: RedisCluster | undefined;
const backends: Backend[] = [
  { name: 'memory', make: async () => new MemoryEphemeralStore(clock), pass: async (ms) => clock.advance(ms) },
  {
    name: 'redis',
    make: () => connected(targetOf({ url: testRedisUrl() })),
    pass: sleep,
  },
  {
    name: 'redis-sentinel',
    setup: async () => void (sentinelSet = await startSentinelSet()),
    teardown: async () => sentinelSet?.stop(),
    make: () => connected(targetOf({ url: sentinelSet!.url })),
    pass: sleep,
  },
  {
    name: 'redis-cluster',
    setup: async () => void (cluster = await startRedisCluster()),
    teardown: async () => cluster?.stop(),
    make: () => connected(targetOf({ clusterNodes: cluster!.nodeList })),
    pass: sleep,
  },
];

for (const backend of backends) {
  describe(`ephemeral store contract [${backend.name}]`, () => {
    let store: EphemeralStore;
    if (backend.setup) before(() => backend.setup!(), { timeout: 60_000 });
    if (backend.teardown) after(() => backend.teardown!());
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

    test('a limiter counts concurrent attempts atomically: of 12 at once on a 5-point key exactly 5 pass', async () => {
      const limiter = store.limiter({ points: 5, durationSeconds: 60, keyPrefix: 'contract:burst' });
      const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => limiter.consume('k')));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 5);
      assert.equal((await limiter.get('k'))?.consumedPoints, 12, 'refused attempts are counted too');
      assert.equal(await limiter.get('other'), null, 'another key is untouched');
    });

    test('a limiter ban holds for its time, delete lifts it, and a window ends by itself', async () => {
      const limiter = store.limiter({ points: 2, durationSeconds: 1, keyPrefix: 'contract:ban' });
      await limiter.block('banned', 60);
      const ban = await limiter.get('banned');
      assert.ok(ban && ban.msBeforeNext > 55_000, `ban ${ban?.msBeforeNext} ms`);
      await limiter.delete('banned');
      assert.equal(await limiter.get('banned'), null);
      await limiter.consume('window');
      await limiter.consume('window');
      await assert.rejects(limiter.consume('window'));
      await sleep(1100); // rate-limiter-flexible keeps its own (real) time
      assert.equal((await limiter.consume('window')).consumedPoints, 1, 'a new window after the old one ended');
    });

    test('limiters with different prefixes count apart', async () => {
      const a = store.limiter({ points: 1, durationSeconds: 60, keyPrefix: 'contract:a' });
      const b = store.limiter({ points: 1, durationSeconds: 60, keyPrefix: 'contract:b' });
      await a.consume('same');
      assert.equal((await b.consume('same')).consumedPoints, 1);
    });

    test('ping answers when the store is up', async () => {
      await store.ping();
    });

    test('keys spread over the store stay readable one by one (on a Cluster: across slots)', async () => {
      const keys = Array.from({ length: 40 }, (_, i) => `spread:${i}`);
      await Promise.all(keys.map((k, i) => store.set(k, String(i), 10_000)));
      assert.deepEqual(await Promise.all(keys.map((k) => store.get(k))), keys.map((_, i) => String(i)));
      assert.deepEqual(await Promise.all(keys.map((k) => store.getAndDelete(k))), keys.map((_, i) => String(i)));
      assert.deepEqual(await Promise.all(keys.map((k) => store.get(k))), keys.map(() => null));
    });
  });
}
