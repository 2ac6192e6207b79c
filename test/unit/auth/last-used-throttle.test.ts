// The last-used throttle: one write per key per interval, failures logged and never thrown, settle waits.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { LastUsedThrottle } from '../../../src/auth/last-used-throttle.js';
import { createLogger } from '../../../src/logger.js';

test('a failing write is logged as a warning and never reaches the caller', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) });
  const throttle = new LastUsedThrottle(async () => {
    throw new Error('database down');
  }, createLogger('warn', sink));
  throttle.record('token-1', new Date(0));
  await throttle.settle();
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /could not record last use/);
  assert.match(lines[0]!, /database down/);
});

test('forget lets the next use of that key write again at once', async () => {
  const writes: string[] = [];
  const throttle = new LastUsedThrottle(async (key) => void writes.push(key), createLogger('silent'));
  throttle.record('k', new Date(0));
  throttle.record('k', new Date(1000));
  throttle.forget('k');
  throttle.record('k', new Date(2000));
  await throttle.settle();
  assert.deepEqual(writes, ['k', 'k']);
});
