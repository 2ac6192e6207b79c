// /auth/verify credentials: access token (its session read at most once per 4 s), sso_session cookie, PAT;
// revocations seen at once on the same gateway and within 5 s on another; what is never a credential here.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createStorage, startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { createAdmin, createUser, signIn, type SignedIn } from '../support/users.js';
import { APP, bearer, forwardAuthEnv, ssoCookie, verify, writeRulesFile, type RulesFile } from '../support/verify.js';

function assertIdentity(res: { status: number; headers: Record<string, string> }, user: { id: number; username: string; role: string; email: string }) {
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-auth-request-user'], user.username);
  assert.equal(res.headers['x-auth-request-user-id'], String(user.id));
  assert.equal(res.headers['x-auth-request-role'], user.role);
  assert.equal(res.headers['x-auth-request-email'], user.email);
  assert.equal(res.headers['content-length'], '0');
}

for (const mode of STORAGE_MODES) {
  describe(`forward auth credentials [${mode}]`, () => {
    let gw: TestGateway;
    let rules: RulesFile;
    let admin: SignedIn;
    let user: SignedIn;
    const email = 'carol@example.test';

    beforeEach(async () => {
      rules = writeRulesFile();
      gw = await startTestGateway(mode, { env: forwardAuthEnv(rules) });
      admin = await createAdmin(gw);
      const created = await createUser(gw, { email }, admin);
      user = await signIn(gw, created.username, created.password);
    });

    afterEach(async () => {
      await gw.close();
      rules.remove();
    });

    test('an access token passes with the identity from its claims; while its session is cached, without the database', async () => {
      assert.equal((await verify(gw, bearer(user.accessToken))).status, 200, 'the first check reads the session once');
      await gw.deps.store.close();
      const res = await verify(gw, bearer(user.accessToken));
      // The access token carries no email (Memos' claims), so that header is present but empty.
      assertIdentity(res, { id: user.userId, username: user.username, role: 'USER', email: '' });
      const stillCookie = await verify(gw, ssoCookie(user.jar.get('sso_session')!));
      assert.ok(stillCookie.status >= 500, `the store really is closed: a session lookup answers ${stillCookie.status}`);
    });

    test('the sso_session cookie passes with the full identity', async () => {
      const res = await verify(gw, ssoCookie(user.jar.get('sso_session')!));
      assertIdentity(res, { id: user.userId, username: user.username, role: 'USER', email });
      const again = await verify(gw, { Cookie: `theme=dark; sso_session=${user.jar.get('sso_session')!}; x=1` });
      assert.equal(again.status, 200);
    });

    test('a session cookie costs one database query on a cache miss (session and user joined), none on a hit', async () => {
      const queries: string[] = [];
      const stop = gw.deps.store.onQuery((sql) => queries.push(sql));
      try {
        const cookie = ssoCookie(user.jar.get('sso_session')!);
        assertIdentity(await verify(gw, cookie), { id: user.userId, username: user.username, role: 'USER', email });
        assert.equal(queries.length, 1, `one query on the miss, not:\n${queries.join('\n')}`);
        assert.match(queries[0]!, /join/i);
        assert.equal((await verify(gw, cookie)).status, 200);
        assert.equal(queries.length, 1, 'the cached session costs no query');
        gw.clock.advance(5000);
        assert.equal((await verify(gw, cookie)).status, 200);
        assert.equal(queries.length, 2, 'after the cache period: one query again');
      } finally {
        stop();
      }
    });

    test('a personal access token passes, and stops at once when it is revoked', async () => {
      const created = await gw.http.post(`/api/v1/users/${user.userId}/personalAccessTokens`).set(user.auth).send({ description: 'ci' });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const pat = created.body.token as string;
      assertIdentity(await verify(gw, bearer(pat)), { id: user.userId, username: user.username, role: 'USER', email });

      const tokenId = String(created.body.personalAccessToken.name).split('/').pop();
      const revoked = await gw.http.delete(`/api/v1/users/${user.userId}/personalAccessTokens/${tokenId}`).set(user.auth);
      assert.equal(revoked.status, 200);
      const after = await verify(gw, bearer(pat));
      assert.equal(after.status, 401);
      assert.match(String(after.headers['www-authenticate']), /invalid_token/);
    });

    test('a signed-out session is refused at once on the same gateway', async () => {
      const cookie = user.jar.get('sso_session')!;
      assert.equal((await verify(gw, ssoCookie(cookie))).status, 200, 'cached as valid first');
      const out = await gw.http.post('/api/v1/auth/signout').set('Cookie', user.jar.header());
      assert.equal(out.status, 200);
      assert.equal((await verify(gw, ssoCookie(cookie))).status, 401);
    });

    test('archiving a user refuses their cookie and their earlier access tokens at once on the same gateway', async () => {
      assert.equal((await verify(gw, ssoCookie(user.jar.get('sso_session')!))).status, 200);
      assert.equal((await verify(gw, bearer(user.accessToken))).status, 200);
      gw.clock.advance(1000);
      const archived = await gw.http.patch(`/api/v1/users/${user.userId}`).set(admin.auth).send({ state: 'ARCHIVED' });
      assert.equal(archived.status, 200, JSON.stringify(archived.body));
      assert.equal((await verify(gw, ssoCookie(user.jar.get('sso_session')!))).status, 401);
      assert.equal((await verify(gw, bearer(user.accessToken))).status, 401);
    });

    test('the refresh cookie alone is not a credential here', async () => {
      const res = await verify(gw, { Cookie: `memos_refresh=${user.jar.get('memos_refresh')!}` });
      assert.equal(res.status, 401);
      assert.equal(res.headers['x-auth-request-user'], undefined);
    });

    test('a bad bearer is a 401 even beside a valid cookie, Basic without a PAT too, while another scheme leaves the cookie to decide', async () => {
      const cookie = ssoCookie(user.jar.get('sso_session')!).Cookie;
      for (const authorization of ['Bearer nonsense', 'Bearer', 'Bearer a b', `Bearer ${user.accessToken}x`, 'Bearer memos_pat_0000000000000000000000000000000']) {
        const res = await verify(gw, { Authorization: authorization, Cookie: cookie });
        assert.equal(res.status, 401, authorization);
        assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
      }
      // Basic is for username:PAT only (issue 15 item 5): a password there is refused, cookie or not.
      const basic = await verify(gw, { Authorization: 'Basic YWxpY2U6c2VjcmV0', Cookie: cookie });
      assert.equal(basic.status, 401);
      assert.match(String(basic.headers['www-authenticate']), /^Basic realm=/);
      const other = await verify(gw, { Authorization: 'Digest username="alice"', Cookie: cookie });
      assert.equal(other.status, 200);
    });

    test('every method is answered the same way', async () => {
      for (const method of ['post', 'put', 'delete', 'head', 'options', 'patch'] as const) {
        const res = await gw.http[method]('/auth/verify').set({ 'X-Original-URL': `${APP}/x`, ...bearer(user.accessToken) });
        assert.equal(res.status, 200, method);
        assert.equal(res.headers['x-auth-request-user'], user.username, method);
      }
      assert.equal((await gw.http.post('/auth/verify').set('X-Original-URL', `${APP}/x`)).status, 401);
    });

    test('spellings of the path that Express routes (the route-table entry) answer exactly like the fast path', async () => {
      for (const path of ['/auth/verify/', '/AUTH/Verify']) {
        const ok = await gw.http.get(path).set({ 'X-Original-URL': `${APP}/x`, ...bearer(user.accessToken) });
        assertIdentity(ok, { id: user.userId, username: user.username, role: 'USER', email: '' });
        const denied = await gw.http.get(path).set({ 'X-Original-URL': `${APP}/admin`, ...bearer(user.accessToken) });
        assert.equal(denied.status, 403, path);
        assert.equal((await gw.http.get(path).set('X-Original-URL', `${APP}/x`)).status, 401, path);
      }
    });
  });

  describe(`forward auth across replicas [${mode}]`, () => {
    test('a session signed out on one gateway is refused by another within 5 s', async () => {
      const storage = await createStorage(mode);
      const a = await startTestGateway(mode, { storage, env: forwardAuthEnv(null) });
      const b = await startTestGateway(mode, { storage, env: forwardAuthEnv(null) });
      try {
        await createAdmin(a);
        const created = await createUser(a);
        const user = await signIn(a, created.username, created.password);
        const cookie = ssoCookie(user.jar.get('sso_session')!);
        assert.equal((await verify(b, cookie)).status, 200);
        assert.equal((await a.http.post('/api/v1/auth/signout').set('Cookie', user.jar.header())).status, 200);
        assert.equal((await verify(a, cookie)).status, 401);
        b.clock.advance(5000);
        assert.equal((await verify(b, cookie)).status, 401);
      } finally {
        await a.close();
        await b.close();
        await storage.destroy();
      }
    });
  });
}

describe('forward auth request ids', () => {
  test('every verify answer carries X-Request-Id: a trusted proxy’s well-formed one, else a new one per answer', async () => {
    const trusting = await startTestGateway('embedded', { env: forwardAuthEnv(null) });
    const untrusting = await startTestGateway('embedded', { env: forwardAuthEnv(null, { GATEWAY_TRUSTED_PROXIES: '192.0.2.10' }) });
    try {
      await createAdmin(trusting);
      const created = await createUser(trusting);
      const someone = await signIn(trusting, created.username, created.password);
      const nginxId = '5f0c6a1e9b7d4c3a8e2f1b0a9c8d7e6f';
      const allowed = await verify(trusting, { ...bearer(someone.accessToken), 'X-Request-Id': nginxId });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers['x-request-id'], nginxId, 'the proxy’s id (nginx $request_id) is kept');
      const ids = new Set<string>();
      for (const headers of [{}, { 'X-Request-Id': 'has spaces, not an id' }, { 'X-Request-Id': 'x'.repeat(129) }, bearer('bad.token.value')] as Record<string, string>[]) {
        const res = await verify(trusting, headers);
        assert.equal(res.status, 401);
        const id = String(res.headers['x-request-id']);
        assert.match(id, /^[A-Za-z0-9_-]{12}-[0-9a-z]+$/, 'a malformed or absent incoming id is replaced by a new one');
        ids.add(id);
      }
      assert.equal(ids.size, 4, 'each answer has its own id');
      // Other spellings go through Express: the request's own id (the one pino logs) is the answer's.
      const routed = await trusting.http.get('/auth/verify/').set({ 'X-Original-URL': `${APP}/`, ...bearer(someone.accessToken) });
      assert.equal(routed.status, 200);
      assert.match(String(routed.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      const peer = await verify(untrusting, { 'X-Request-Id': nginxId });
      assert.equal(peer.status, 401);
      assert.notEqual(peer.headers['x-request-id'], nginxId, 'an untrusted peer cannot choose the id');
      assert.match(String(peer.headers['x-request-id']), /^[A-Za-z0-9_-]{12}-[0-9a-z]+$/);
    } finally {
      await trusting.close();
      await untrusting.close();
    }
  });
});
