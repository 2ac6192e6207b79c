// Catalogue J92–J94. MySQL down and back, against a MariaDB of this test's own (stopped and restarted for real): sign-in, refresh
// and PAT answer 503 quickly and leave the refresh cookie untouched; an access token verifies at /auth/verify
// while its session's liveness is cached, then fails closed; everything recovers without restarting the gateway.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { CookieJar } from '../support/cookie-jar.js';
import { startTestGateway, type Storage, type TestGateway } from '../support/gateway.js';
import { testRedisUrl, uniqueKeyPrefix } from '../support/redis.js';
import { startMariaDb, type MariaDbHandle } from '../support/services.js';
import { createAdmin, type SignedIn } from '../support/users.js';
import { SESSION_CACHE_TTL_MS } from '../../src/forward-auth/session-check.js';

/** Proves "answers instead of waiting forever"; generous on purpose: how fast belongs in `npm run bench`. */
const NO_HANG_MS = 10_000;

async function ownDatabase(server: MariaDbHandle): Promise<Storage> {
  const conn = await mysql.createConnection(server.adminUrl);
  await conn.query('CREATE DATABASE gw CHARACTER SET utf8mb4');
  await conn.end();
  const url = new URL(server.adminUrl);
  url.pathname = '/gw';
  return {
    mode: 'mariadb',
    env: { GATEWAY_DATABASE_URL: url.toString(), GATEWAY_REDIS_URL: testRedisUrl() },
    redisKeyPrefix: uniqueKeyPrefix('gw'),
    destroy: async () => {},
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

describe('MySQL down', () => {
  let server: MariaDbHandle;
  let gw: TestGateway;
  let admin: SignedIn;
  let pat: string;

  before(async () => {
    server = await startMariaDb();
    gw = await startTestGateway('mariadb', { storage: await ownDatabase(server) });
    admin = await createAdmin(gw);
    const created = await gw.http.post(`/api/v1/users/${admin.userId}/personalAccessTokens`).set(admin.auth).send({ description: 'ci' });
    assert.equal(created.status, 200);
    pat = created.body.token;
    assert.equal((await gw.http.get('/auth/verify').set(admin.auth)).status, 200, 'the session is known live');
    await server.stop();
  });
  after(async () => {
    await gw?.close();
    await server?.destroy();
  });

  test('J92 password sign-in answers 503 without hanging (bounded at 10 s; speed is measured by the bench), with no cookie', async () => {
    const { value: res, ms } = await timed(() =>
      gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } }),
    );
    assert.equal(res.status, 503);
    assert.equal(res.body.code, 14);
    assert.equal(res.body.message, 'service unavailable');
    assert.equal(res.headers['set-cookie'], undefined);
    assert.ok(ms < NO_HANG_MS, `${ms} ms`);
  });

  test('J92 refresh answers 503 and leaves the refresh cookie untouched', async () => {
    const res = await gw.http.post('/api/v1/auth/refresh').set('Cookie', admin.jar.header('memos_refresh'));
    assert.equal(res.status, 503);
    assert.equal(res.headers['set-cookie'], undefined);
  });

  test('J92 a PAT answers 503 on the API and is never let through at /auth/verify', async () => {
    const api = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${pat}`);
    assert.equal(api.status, 503);
    const verify = await gw.http.get('/auth/verify').set('Authorization', `Bearer ${pat}`);
    assert.ok(verify.status >= 400, `verify answered ${verify.status}`);
  });

  test('J92 an access token verifies at /auth/verify while its session is cached, then fails closed (issue 9: sid)', async () => {
    const res = await gw.http.get('/auth/verify').set(admin.auth);
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-auth-request-user'], admin.username);
    gw.clock.advance(SESSION_CACHE_TTL_MS);
    const later = await gw.http.get('/auth/verify').set(admin.auth);
    assert.ok(later.status >= 500, `past the cache bound the session cannot be read: ${later.status}`);
  });

  test('J92 readiness reports the database down', async () => {
    const res = await gw.http.get('/readyz');
    assert.equal(res.status, 503);
    assert.equal(res.body.details[0].database, 'unavailable');
  });

  test('J94 after MySQL comes back, sign-in and refresh with the old cookie work without a restart', async () => {
    await server.start();
    let signIn;
    for (let i = 0; i < 50; i++) {
      signIn = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } });
      if (signIn.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(signIn?.status, 200);
    const refresh = await gw.http.post('/api/v1/auth/refresh').set('Cookie', admin.jar.header('memos_refresh'));
    assert.equal(refresh.status, 200, 'the cookie kept during the outage still works');
    assert.equal((await gw.http.get('/readyz')).status, 200);
  });
});

describe('MySQL hung or crashing', () => {
  let server: MariaDbHandle;
  let gw: TestGateway;
  let admin: SignedIn;

  before(async () => {
    server = await startMariaDb();
    gw = await startTestGateway('mariadb', {
      storage: await ownDatabase(server),
      env: { GATEWAY_DB_POOL_SIZE: '2', GATEWAY_DB_QUERY_TIMEOUT_MS: '1000' },
    });
    admin = await createAdmin(gw);
  });
  after(async () => {
    await gw?.close();
    await server?.destroy();
  });

  test('J93 with MySQL hung (SIGSTOP) and a pool of 2, 20 concurrent sign-ins all get a 503 within a few seconds', async () => {
    server.pause();
    try {
      const t0 = performance.now();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } }),
        ),
      );
      const elapsed = performance.now() - t0;
      assert.ok(results.every((r) => r.status === 503), results.map((r) => r.status).join(','));
      assert.ok(elapsed < NO_HANG_MS, `${Math.round(elapsed)} ms: queries and connects time out instead of waiting forever`);
    } finally {
      server.resume();
    }
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(status, 200, 'the pool recovered without a restart');
  });

  test('J94 MySQL crashing (SIGKILL) in the middle of refreshes leaves at most one live refresh token per session', async () => {
    const jars = [];
    for (let i = 0; i < 3; i++) {
      const signIn = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } });
      const jar = new CookieJar();
      jar.store(signIn.headers['set-cookie']);
      jars.push(jar);
    }
    const loops = jars.map(async (jar) => {
      for (let i = 0; i < 200; i++) {
        const res = await gw.http.post('/api/v1/auth/refresh').set('Cookie', jar.header('memos_refresh'));
        if (res.status !== 200) return;
        jar.store(res.headers['set-cookie']);
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    await server.kill();
    await Promise.all(loops);
    await server.start();
    const conn = await mysql.createConnection(`${server.adminUrl}gw`);
    try {
      const [rows] = await conn.query(
        'SELECT session_id, COUNT(*) AS n FROM user_refresh_token WHERE rotated_ts IS NULL AND revoked_ts IS NULL GROUP BY session_id',
      );
      assert.ok((rows as unknown[]).length >= 3);
      for (const row of rows as Array<{ session_id: string; n: number }>) assert.ok(Number(row.n) <= 1, `session ${row.session_id}: ${row.n} live tokens`);
    } finally {
      await conn.end();
    }
  });
});
