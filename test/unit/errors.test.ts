// Which failures count as "a dependency is down" (→ 503): decided by stable codes only (errno codes, mysql2's
// `code`/`fatal`, better-sqlite3's `code`, our DependencyDownError), never by the text of a driver's message.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { AppError, DependencyDownError, isDependencyDown, permissionDenied, toAppError } from '../../src/errors.js';
import { RedisEphemeralStore } from '../../src/state/redis-store.js';

const coded = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

test('errno codes, mysql2 codes and fatal errors, SQLITE_BUSY and DependencyDownError are a dependency down', () => {
  for (const err of [
    coded('connect ECONNREFUSED 127.0.0.1:3306', { code: 'ECONNREFUSED' }),
    coded('read ECONNRESET', { code: 'ECONNRESET' }),
    coded('anything', { code: 'PROTOCOL_SEQUENCE_TIMEOUT', fatal: true }),
    coded('Connection lost: The server closed the connection.', { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }),
    coded('some protocol problem', { code: 'SOME_NEW_MYSQL2_CODE', fatal: true }),
    coded('database is locked', { code: 'SQLITE_BUSY' }),
    new DependencyDownError('redis', new Error('Connection is closed.')),
    new Error('query failed', { cause: coded('x', { code: 'ETIMEDOUT' }) }),
  ]) {
    assert.equal(isDependencyDown(err), true, err.message);
    assert.equal(toAppError(err).code, 'UNAVAILABLE', err.message);
  }
});

test('a message that reads like a connection failure is not one without a code: no branching on text', () => {
  for (const message of ['Connection is closed.', "Stream isn't writeable and enableOfflineQueue options is false", 'Command timed out', 'Pool is closed.', 'connect ETIMEDOUT']) {
    assert.equal(isDependencyDown(new Error(message)), false, message);
    assert.equal(toAppError(new Error(message)).code, 'INTERNAL', message);
  }
  assert.equal(isDependencyDown(coded('Duplicate entry', { code: 'ER_DUP_ENTRY', fatal: false })), false);
});

test('AppError carries a stable reason callers branch on; the message is free text', () => {
  const err = permissionDenied('any wording at all', 'PASSWORD_SIGNIN_DISABLED');
  assert.equal(err.reason, 'PASSWORD_SIGNIN_DISABLED');
  assert.equal(new AppError('INTERNAL', 'x').reason, null);
});

test('the Redis store translates a connection failure into DependencyDownError, keeping the driver error as cause', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const store = new RedisEphemeralStore({ target: { kind: 'standalone', url: `redis://127.0.0.1:${port}` }, commandTimeoutMs: 200 });
  try {
    for (const call of [() => store.get('k'), () => store.set('k', 'v', 1000), () => store.getAndDelete('k'), () => store.ping()]) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof DependencyDownError, String(err));
        assert.equal(err.code, 'DEPENDENCY_DOWN');
        assert.equal(err.dependency, 'redis');
        assert.ok(err.cause instanceof Error);
        return true;
      });
    }
  } finally {
    await store.close();
  }
});
