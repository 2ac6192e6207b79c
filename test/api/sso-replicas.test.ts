// SSO across gateway replicas and with Redis gone (MariaDB + Redis mode only: the embedded mode is one process
// by definition). Two gateway processes share one database and one Redis, each listening on a real port, as
// behind nginx's upstream: a flow started on one finishes on the other. With Redis down, start and callback
// answer 503 instead of falling back to anything local.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStorage, startTestGateway } from '../support/gateway.js';
import { expectSsoAudit } from '../support/sso-audit.js';
import { createAdmin } from '../support/users.js';
import {
  authorizeAtOidc,
  cookieValue,
  createIdp,
  oidcIdpBody,
  startProviders,
  TEST_ENV,
  type Providers,
} from '../support/sso.js';

let providers: Providers;
before(async () => {
  providers = await startProviders();
});
after(() => providers.stop());

describe('SSO across replicas [mariadb]', () => {
  test('a flow started on one gateway process finishes on another sharing MariaDB and Redis', async () => {
    const storage = await createStorage('mariadb');
    const a = await startTestGateway('mariadb', { env: TEST_ENV, storage });
    const b = await startTestGateway('mariadb', { env: TEST_ENV, storage });
    try {
      const [urlA, urlB] = await Promise.all([a.listen(), b.listen()]);
      assert.notEqual(urlA, urlB);
      const admin = await createAdmin(a);
      const uid = await createIdp(a, admin, oidcIdpBody(providers.op));

      const start = await fetch(`${urlA}/auth/sso/${uid}?redirect=%2Fdashboard`, { redirect: 'manual' });
      assert.equal(start.status, 302);
      const binding = start.headers.getSetCookie().find((c) => c.startsWith('sso_flow='))!.split(';')[0]!;
      const callback = await authorizeAtOidc(a, new URL(start.headers.get('location')!), 'alice');

      const finish = await fetch(`${urlB}/auth/callback${callback.search}`, { redirect: 'manual', headers: { cookie: binding } });
      assert.equal(finish.status, 302);
      assert.equal(finish.headers.get('location'), '/dashboard');
      const refresh = cookieValue(finish.headers.getSetCookie(), 'memos_refresh');
      assert.ok(refresh);

      // The session made on B refreshes on A.
      const rotated = await fetch(`${urlA}/api/v1/auth/refresh`, { method: 'POST', headers: { cookie: `memos_refresh=${refresh}` } });
      assert.equal(rotated.status, 200);
      const { accessToken } = (await rotated.json()) as { accessToken: string };
      const me = await fetch(`${urlA}/api/v1/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      assert.equal(((await me.json()) as { user: { username: string } }).user.username, 'alice-sub');

      const replay = await fetch(`${urlA}/auth/callback${callback.search}`, { redirect: 'manual', headers: { cookie: binding } });
      assert.equal(replay.status, 400, 'the record was taken on B, so A cannot use it again');
      // One audit log for both replicas: B's sign-in, then A's refusal of the replay.
      await expectSsoAudit(a, { event: 'sso.denied', provider: '', reason: 'FLOW_INVALID', step: 'callback', secrets: [binding, callback.searchParams.get('state'), callback.searchParams.get('code')] });
    } finally {
      await b.close();
      await a.close();
      await storage.destroy();
    }
  });

  test('with Redis down, starting and finishing a flow answer 503 at once and create nothing', async () => {
    const gw = await startTestGateway('mariadb', { env: TEST_ENV });
    try {
      const admin = await createAdmin(gw);
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op));
      const flow = await gw.http.get(`/auth/sso/${uid}`);
      assert.equal(flow.status, 302, 'discovery done and cached while Redis was up');
      const binding = cookieValue(flow.headers['set-cookie'], 'sso_flow')!;
      const callback = await authorizeAtOidc(gw, new URL(flow.headers.location as string), 'alice');
      const users = await gw.deps.store.users.count();

      await gw.deps.ephemeral.close();
      const start = await gw.http.get(`/auth/sso/${uid}`);
      assert.equal(start.status, 503);
      assert.equal(start.body.code, 14);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'UNAVAILABLE', step: 'start' });
      const finish = await gw.http.get(`/auth/callback${callback.search}`).set('Cookie', `sso_flow=${binding}`);
      assert.equal(finish.status, 503);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'UNAVAILABLE', step: 'callback', secrets: [binding, callback.searchParams.get('state'), callback.searchParams.get('code')] });
      const page = await gw.http.get(`/auth/sso/${uid}`).set('Accept', 'text/html');
      assert.equal(page.status, 503);
      assert.match(page.text, /Sign-in is temporarily unavailable/);
      assert.equal(await gw.deps.store.users.count(), users);
    } finally {
      await gw.close();
    }
  });
});
