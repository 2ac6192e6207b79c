// The Redis server that `npm test` (test/run.ts) starts, shared by all test files: use uniqueKeyPrefix() for
// every key (and never FLUSHALL/FLUSHDB) so files running in parallel don't collide.
import { randomBytes } from 'node:crypto';

/** redis://127.0.0.1:PORT, from TEST_REDIS_URL. */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) {
    throw new Error(
      'TEST_REDIS_URL is not set: run tests through `npm test` (test/run.ts starts Redis and MariaDB), ' +
        'e.g. `npm test -- test/path/to/file.test.ts`',
    );
  }
  return url;
}

/** A key prefix no other test uses, e.g. `t:3f9a0c1b2d4e:` (`label` replaces the leading `t`). */
export function uniqueKeyPrefix(label = 't'): string {
  return `${label}:${randomBytes(6).toString('hex')}:`;
}
