// Catalogue J89–J91. Redis down and back, against a Redis of this test's own: readiness reports it, password sign-in and
// access-token verification keep working (regulation falls back to an in-process limiter, never unlimited),
// and the gateway recovers without a restart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStorage, startTestGateway, type Storage, type TestGateway } from '../support/gateway.js';
import { startRedis, type RedisHandle } from '../support/services.js';
import { expectSsoAudit } from '../support/sso-audit.js';
import { createAdmin, type SignedIn } from '../support/users.js';
import { authorizeAtOidc, createIdp, finishFlow, oidcIdpBody, startFlow, startProviders, TEST_ENV, type Providers } from '../support/sso.js';

/** Proves "answers instead of waiting forever"; generous on purpose: how fast belongs in `npm run bench`. */
const NO_HANG_MS = 10_000;

describe('Redis down', () => {
  let redis: RedisHandle;
  let storage: Storage;
  let gw: TestGateway;
  let admin: SignedIn;

  before(async () => {
    redis = await startRedis();
    storage = await createStorage('mariadb');
    storage.env.GATEWAY_REDIS_URL = redis.url;
    gw = await startTestGateway('mariadb', {
      storage,
      env: { GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: '3' },
    });
    admin = await createAdmin(gw);
    await redis.stop();
  });
  after(async () => {
    await gw?.close();
    await storage?.destroy();
    await redis?.destroy();
  });

  test('J89 readiness answers 503 naming Redis, without hanging (bounded at 10 s; speed is measured by the bench)', async () => {
    const start = performance.now();
    const res = await gw.http.get('/readyz');
    assert.equal(res.status, 503);
    assert.equal(res.body.details[0].redis, 'unavailable');
    assert.ok(performance.now() - start < NO_HANG_MS);
  });

  test('J91 password sign-in keeps working while the rate-limit store is down', async () => {
    const res = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } });
    assert.equal(res.status, 200);
  });

  test('J91 regulation still bans (in-process fallback), it is never unlimited', async () => {
    const body = { passwordCredentials: { username: 'victim-of-spray', password: 'x' } };
    for (let i = 0; i < 3; i++) assert.equal((await gw.http.post('/api/v1/auth/signin').send(body)).status, 401);
    assert.equal((await gw.http.post('/api/v1/auth/signin').send(body)).status, 429);
  });

  test('J89 an access token still verifies at /auth/verify', async () => {
    const res = await gw.http.get('/auth/verify').set(admin.auth);
    assert.equal(res.status, 200);
  });

  test('J90 after Redis comes back, readiness recovers without a restart', async () => {
    await redis.start();
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await gw.http.get('/readyz')).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(ready, 200);
  });
});

describe('Redis down or hung during SSO', () => {
  let redis: RedisHandle;
  let storage: Storage;
  let gw: TestGateway;
  let providers: Providers;
  let uid: string;

  before(async () => {
    providers = await startProviders();
    redis = await startRedis();
    storage = await createStorage('mariadb');
    storage.env.GATEWAY_REDIS_URL = redis.url;
    gw = await startTestGateway('mariadb', { storage, env: TEST_ENV });
    const admin = await createAdmin(gw);
    uid = await createIdp(gw, admin, oidcIdpBody(providers.op));
  });
  after(async () => {
    await gw?.close();
    await storage?.destroy();
    await redis?.destroy();
    await providers?.stop();
  });

  async function userCount() {
    return gw.deps.store.users.count();
  }

  test('J89 with Redis down, SSO start and callback answer 503 without hanging (bounded at 10 s; speed is measured by the bench) and create nothing', async () => {
    const flow = await startFlow(gw, uid);
    const callback = await authorizeAtOidc(gw, flow.authorizeUrl, 'alice');
    const before = await userCount();
    await redis.stop();
    try {
      const t0 = performance.now();
      const start = await gw.http.get(`/auth/sso/${uid}`);
      assert.equal(start.status, 503);
      assert.ok(performance.now() - t0 < NO_HANG_MS);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'UNAVAILABLE', step: 'start' }, 'start');
      const t1 = performance.now();
      const finish = await finishFlow(gw, callback, flow.cookie);
      assert.equal(finish.status, 503);
      assert.ok(performance.now() - t1 < NO_HANG_MS);
      assert.equal(finish.headers['set-cookie']?.toString().includes('sso_session=') ?? false, false);
      assert.equal(await userCount(), before, 'no user was created');
      // The flow record could not be read, so no provider is known: the row says only that the store was down.
      await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'UNAVAILABLE', step: 'callback', secrets: [flow.state, callback.searchParams.get('code')] }, 'callback');
    } finally {
      await redis.start();
    }
  });

  test('J90 with Redis hung (SIGSTOP), SSO start answers 503 without hanging (bounded at 10 s; speed is measured by the bench), and works again once it resumes', async () => {
    // Let the client reconnect after the previous test's restart.
    for (let i = 0; i < 50 && (await gw.http.get('/readyz')).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    redis.pause();
    try {
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: 10 }, () => gw.http.get(`/auth/sso/${uid}`)));
      const elapsed = performance.now() - t0;
      assert.ok(results.every((r) => r.status === 503), results.map((r) => r.status).join(','));
      assert.ok(elapsed < NO_HANG_MS, `${elapsed} ms for 10 concurrent starts`);
    } finally {
      redis.resume();
    }
    let status = 0;
    for (let i = 0; i < 50 && status !== 302; i++) {
      status = (await gw.http.get(`/auth/sso/${uid}`)).status;
      if (status !== 302) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 302);
  });
});
