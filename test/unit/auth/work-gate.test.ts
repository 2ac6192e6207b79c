// The bound on concurrent bcrypt work: a fixed number run, a bounded queue waits in order, the rest are 429.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkGate } from '../../../src/auth/work-gate.js';
import { AppError } from '../../../src/errors.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('at most `limit` jobs run, the next ones wait in order, and past `maxWaiting` a job is refused with 429', async () => {
  const gate = new WorkGate(2, 2, 'busy');
  const started: number[] = [];
  const releases = Array.from({ length: 4 }, () => deferred());
  const jobs = releases.map((d, i) =>
    gate.run(async () => {
      started.push(i);
      await d.promise;
      return i;
    }),
  );
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [0, 1], 'two run, two wait');
  await assert.rejects(gate.run(async () => 99), (err: unknown) => err instanceof AppError && err.code === 'RESOURCE_EXHAUSTED' && err.headers['Retry-After'] === '1');
  releases[1]!.resolve();
  await jobs[1];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [0, 1, 2], 'the first waiter takes the freed slot');
  for (const d of releases) d.resolve();
  assert.deepEqual(await Promise.all(jobs), [0, 1, 2, 3]);
  assert.equal(await gate.run(async () => 'free again'), 'free again');
});

test('a job that throws frees its slot', async () => {
  const gate = new WorkGate(1, 0, 'busy');
  await assert.rejects(gate.run(async () => {
    throw new Error('bcrypt failed');
  }), /bcrypt failed/);
  assert.equal(await gate.run(async () => 'ok'), 'ok');
});
