// Catalogue J95, J97, J98. The gateway process itself failing: kill -9 in the middle of a burst of refreshes leaves at most one live
// refresh token per session and loses no acknowledged rotation; SIGTERM turns readiness false first and lets
// in-flight requests finish.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { startGatewayProcess, type GatewayProcess } from '../support/process-gateway.js';

async function post(base: string, path: string, body?: unknown, cookie?: string) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, setCookie: res.headers.getSetCookie(), body: (await res.json()) as Record<string, unknown> };
}

const tidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).tid as string;

describe('kill -9 during a burst of refreshes', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());

  test('J95 afterwards every session has exactly one live refresh token, every acknowledged rotation is stored, and the jars holding it refresh after the restart', async () => {
    const gateway = await startGatewayProcess({ GATEWAY_DATABASE_URL: db.url, GATEWAY_LOG_LEVEL: 'warn' });
    const acknowledged: string[] = [];
    const jars: CookieJar[] = [];
    const idle = new CookieJar();
    try {
      await post(gateway.baseUrl, '/api/v1/users', { username: 'demo', password: 'secret' });
      // Four devices, each refreshing in a loop with the cookie of its last acknowledged refresh.
      for (let i = 0; i < 4; i++) {
        const signIn = await post(gateway.baseUrl, '/api/v1/auth/signin', { passwordCredentials: { username: 'demo', password: 'secret' } });
        const jar = new CookieJar();
        jar.store(signIn.setCookie);
        jars.push(jar);
      }
      // A fifth device signed in and idle through the kill: its token is live and acknowledged whatever the kill
      // interrupted, so at least one jar must refresh after the restart.
      const idleSignIn = await post(gateway.baseUrl, '/api/v1/auth/signin', { passwordCredentials: { username: 'demo', password: 'secret' } });
      idle.store(idleSignIn.setCookie);
      const loops = jars.map(async (jar) => {
        for (;;) {
          try {
            const res = await post(gateway.baseUrl, '/api/v1/auth/refresh', undefined, jar.header('memos_refresh'));
            if (res.status !== 200) return;
            jar.store(res.setCookie);
            acknowledged.push(tidOf(jar.get('memos_refresh')!));
          } catch {
            return; // the connection died with the process
          }
        }
      });
      await new Promise((r) => setTimeout(r, 700));
      await gateway.stop('SIGKILL');
      await Promise.all(loops);
    } finally {
      await gateway.stop('SIGKILL');
    }
    assert.ok(acknowledged.length > 10, `only ${acknowledged.length} refreshes happened before the kill`);
    const conn = await mysql.createConnection(db.url);
    try {
      const [live] = await conn.query(
        'SELECT session_id, COUNT(*) AS n FROM user_refresh_token WHERE rotated_ts IS NULL AND revoked_ts IS NULL GROUP BY session_id',
      );
      // Rotation writes the old row and its successor in one transaction: each of the 5 sessions keeps exactly one.
      const liveRows = live as Array<{ session_id: string; n: number }>;
      assert.equal(liveRows.length, 5, 'every session still has a live refresh token');
      for (const row of liveRows) assert.equal(Number(row.n), 1, `session ${row.session_id} has ${row.n} live tokens`);
      const [stored] = await conn.query('SELECT tid FROM user_refresh_token WHERE tid IN (?)', [acknowledged]);
      assert.equal((stored as unknown[]).length, acknowledged.length, 'every acknowledged rotation is in the database');
    } finally {
      await conn.end();
    }
    // Which jar holds its session's live token: a jar whose last refresh was committed but never answered (the
    // kill came in between) holds the predecessor of an unacknowledged successor instead.
    const liveTids = new Set<string>();
    {
      const conn2 = await mysql.createConnection(db.url);
      try {
        const [rows] = await conn2.query('SELECT tid FROM user_refresh_token WHERE rotated_ts IS NULL AND revoked_ts IS NULL');
        for (const row of rows as Array<{ tid: string }>) liveTids.add(row.tid);
      } finally {
        await conn2.end();
      }
    }
    // And the gateway comes back on the same database with those sessions intact: each jar holding the live token
    // refreshes with it; the others hold a token whose successor they never received.
    const again = await startGatewayProcess({ GATEWAY_DATABASE_URL: db.url, GATEWAY_LOG_LEVEL: 'warn' });
    try {
      let refreshed = 0;
      for (const jar of [...jars, idle]) {
        const tid = tidOf(jar.get('memos_refresh')!);
        const res = await post(again.baseUrl, '/api/v1/auth/refresh', undefined, jar.header('memos_refresh'));
        if (liveTids.has(tid)) {
          assert.equal(res.status, 200, `the jar holding live token ${tid} refreshes after the restart`);
          refreshed += 1;
        } else {
          assert.equal(res.status, 401, `a jar whose rotation was never acknowledged cannot refresh with the predecessor`);
        }
      }
      assert.ok(liveTids.has(tidOf(idle.get('memos_refresh')!)), "the idle device's token is live");
      assert.ok(refreshed >= 1, 'at least the idle device refreshed after the restart');
      console.log(`# J95: ${refreshed} of ${jars.length + 1} jars held the live token and refreshed after the restart`);
      const signIn = await post(again.baseUrl, '/api/v1/auth/signin', { passwordCredentials: { username: 'demo', password: 'secret' } });
      assert.equal(signIn.status, 200);
    } finally {
      await again.stop();
    }
  });
});

describe('SIGTERM', () => {
  let gateway: GatewayProcess;
  before(async () => {
    gateway = await startGatewayProcess({ GATEWAY_SHUTDOWN_DELAY_MS: '1500', GATEWAY_LOG_LEVEL: 'info' }, 30_000, { direct: true });
    // Several accounts: concurrent attempts on one account count toward its limit before bcrypt runs.
    for (let i = 0; i < 4; i++) await post(gateway.baseUrl, '/api/v1/users', { username: `demo-${i}`, password: 'secret' });
  });
  after(() => gateway?.stop('SIGKILL'));

  test('J97 readiness goes false first, in-flight sign-ins finish, then the process exits 0', async () => {
    assert.equal((await fetch(`${gateway.baseUrl}/readyz`)).status, 200);
    const inFlight = Array.from({ length: 12 }, (_, i) =>
      post(gateway.baseUrl, '/api/v1/auth/signin', { passwordCredentials: { username: `demo-${i % 4}`, password: 'secret' } }),
    );
    await new Promise((r) => setTimeout(r, 20));
    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', (c) => resolve(c)));
    gateway.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const ready = await fetch(`${gateway.baseUrl}/readyz`);
    assert.equal(ready.status, 503, 'readiness is false while draining');
    const results = await Promise.all(inFlight);
    assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.map((r) => r.status)));
    assert.equal(await exited, 0);
    assert.match(gateway.output(), /draining/);
  });
});
