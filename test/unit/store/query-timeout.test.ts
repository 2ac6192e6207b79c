// The mysql2 pool as Kysely sees it: a pool that cannot hand out a connection says so in words only ("Pool is
// closed.", "Queue limit reached."); the wrapper gives those the stable DependencyDownError code (→ 503) where
// they enter, and passes coded errors (ECONNREFUSED, ER_ACCESS_DENIED_ERROR) through untouched.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pool } from 'mysql2';
import { DependencyDownError, isDependencyDown } from '../../../src/errors.js';
import { withQueryTimeout } from '../../../src/store/sql/query-timeout.js';

/** Only getConnection, the one call under test: it fails with `error`. */
function failingPool(error: Error): Pool {
  return { getConnection: (callback: (err: Error, connection: unknown) => void) => callback(error, undefined) } as unknown as Pool;
}

function connectionError(pool: Pool, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve) => withQueryTimeout(pool, () => timeoutMs).getConnection((err) => resolve(err)));
}

for (const timeoutMs of [0, 1000]) {
  test(`a pool error without a code becomes DependencyDownError, a coded one passes as it is (timeout ${timeoutMs})`, async () => {
    for (const message of ['Pool is closed.', 'Queue limit reached.', 'No connections available.']) {
      const original = new Error(message);
      const err = await connectionError(failingPool(original), timeoutMs);
      assert.ok(err instanceof DependencyDownError, message);
      assert.equal(err.dependency, 'database');
      assert.equal(err.cause, original);
      assert.equal(isDependencyDown(err), true);
    }
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    assert.equal(await connectionError(failingPool(refused), timeoutMs), refused);
  });
}
