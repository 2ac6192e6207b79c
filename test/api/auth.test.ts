// Memos' AuthService over REST, on both storage modes: sign-in, refresh rotation, sign-out, me.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createSignedInUser, createUser, signIn } from '../support/users.js';

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

for (const mode of STORAGE_MODES) {
  describe(`auth API [${mode}]`, () => {
    let gw: TestGateway;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
    });
    afterEach(() => gw.close());

    test('sign-in answers user, accessToken and accessTokenExpiresAt, and sets both cookies', async () => {
      const admin = await createUser(gw, { username: 'demo', password: 'secret', email: 'demo@example.com' });
      const res = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: 'demo', password: 'secret' } });
      assert.equal(res.status, 200);
      assert.equal(res.body.user.name, `users/${admin.id}`);
      assert.equal(res.body.user.username, 'demo');
      assert.equal(res.body.user.email, 'demo@example.com');
      assert.equal(res.body.user.role, 'ADMIN');
      const [h, p] = String(res.body.accessToken).split('.');
      assert.deepEqual(decode(h!), { alg: 'HS256', kid: 'v1', typ: 'JWT' });
      const claims = decode(p!);
      assert.deepEqual(Object.keys(claims).sort(), ['aud', 'exp', 'iat', 'iss', 'role', 'sid', 'status', 'sub', 'type', 'username', 'username_locked']);
      assert.equal(claims.sub, String(admin.id));
      assert.equal(new Date(res.body.accessTokenExpiresAt).getTime(), (claims.exp as number) * 1000);
      assert.equal(res.headers['cache-control'], 'no-store');
      const cookies = res.headers['set-cookie'] as unknown as string[];
      const refresh = cookies.find((c) => c.startsWith('memos_refresh='))!;
      const sso = cookies.find((c) => c.startsWith('sso_session='))!;
      assert.match(refresh, /; Path=\/api\/v1\/auth; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
      assert.match(sso, /^sso_session=[A-Za-z0-9_-]{43}; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
    });

    test('unknown user and wrong password get the same status and body, and both pay a bcrypt compare', async () => {
      await createUser(gw, { username: 'demo', password: 'secret' });
      const calls: Array<string | null> = [];
      const verify = gw.deps.passwords.verify.bind(gw.deps.passwords);
      gw.deps.passwords.verify = async (pw, hash) => {
        calls.push(hash);
        return verify(pw, hash);
      };
      const wrong = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: 'demo', password: 'nope' } });
      const unknown = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: 'ghost', password: 'nope' } });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, wrong.status);
      assert.deepEqual(unknown.body, wrong.body);
      assert.deepEqual(wrong.body, { code: 16, message: 'unmatched username and password', details: [] });
      assert.equal(calls.length, 2, 'both paths ran bcrypt');
      assert.equal(calls[1], null, 'the unknown user was compared against the dummy hash');
      assert.equal(wrong.headers['set-cookie'], undefined);
    });

    test('a password over 72 bytes never signs in, even when its first 72 bytes are right', async () => {
      const password = 'é'.repeat(36); // 72 bytes
      await createUser(gw, { username: 'demo', password });
      const res = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: 'demo', password: `${password}x` } });
      assert.equal(res.status, 401);
    });

    test('me names the caller; without a bearer it is 401; with a bad bearer 401 with WWW-Authenticate', async () => {
      const admin = await createAdmin(gw);
      const me = await gw.http.get('/api/v1/auth/me').set(admin.auth);
      assert.equal(me.status, 200);
      assert.equal(me.body.user.username, admin.username);
      const anon = await gw.http.get('/api/v1/auth/me');
      assert.equal(anon.status, 401);
      assert.equal(anon.body.code, 16);
      const bad = await gw.http.get('/api/v1/auth/me').set('Authorization', 'Bearer not.a.token');
      assert.equal(bad.status, 401);
      assert.equal(bad.headers['www-authenticate'], 'Bearer error="invalid_token"');
      const basic = await gw.http.get('/api/v1/auth/me').set('Authorization', 'Basic YTpi');
      assert.equal(basic.status, 401);
    });

    test('access tokens that are tampered, expired, refresh-typed or for another audience are 401 JSON', async () => {
      const admin = await createAdmin(gw);
      const [h, p, s] = admin.accessToken.split('.');
      const claims = decode(p!);
      const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const cases = [
        `${h}.${enc({ ...claims, sub: '999' })}.${s}`,
        `${h}.${enc({ ...claims, aud: ['user.refresh-token'] })}.${s}`,
        `${enc({ alg: 'none', typ: 'JWT', kid: 'v1' })}.${p}.`,
        admin.jar.get('memos_refresh')!,
      ];
      for (const token of cases) {
        const res = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);
        assert.equal(res.status, 401, token.slice(0, 40));
        assert.equal(res.body.code, 16);
      }
      gw.clock.advance(15 * 60 * 1000);
      const expired = await gw.http.get('/api/v1/auth/me').set(admin.auth);
      assert.equal(expired.status, 401);
    });

    test('refresh rotates the cookie and returns a fresh access token; the old cookie then fails', async () => {
      const admin = await createAdmin(gw);
      const oldCookie = admin.jar.header('memos_refresh');
      gw.clock.advance(60_000);
      const res = await gw.http.post('/api/v1/auth/refresh').set('Cookie', oldCookie);
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), ['accessToken', 'expiresAt']);
      const jar = new CookieJar();
      jar.store(res.headers['set-cookie']);
      assert.notEqual(jar.get('memos_refresh'), admin.jar.get('memos_refresh'));
      const me = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`);
      assert.equal(me.status, 200);
      const again = await gw.http.post('/api/v1/auth/refresh').set('Cookie', jar.header('memos_refresh'));
      assert.equal(again.status, 200, 'the new cookie works');
      const stale = await gw.http.post('/api/v1/auth/refresh').set('Cookie', oldCookie);
      assert.equal(stale.status, 401);
    });

    test('refresh without a cookie is 401 "refresh token not found", also when a stale bearer is sent', async () => {
      const res = await gw.http.post('/api/v1/auth/refresh').set('Authorization', 'Bearer expired.or.bad');
      assert.equal(res.status, 401);
      assert.equal(res.body.message, 'refresh token not found');
    });

    test('20 parallel refreshes with one cookie: exactly one 200, and the winner keeps working', async () => {
      const admin = await createAdmin(gw);
      const cookie = admin.jar.header('memos_refresh');
      const results = await Promise.all(Array.from({ length: 20 }, () => gw.http.post('/api/v1/auth/refresh').set('Cookie', cookie)));
      const winners = results.filter((r) => r.status === 200);
      assert.equal(winners.length, 1);
      assert.ok(results.every((r) => r.status === 200 || r.status === 401));
      const jar = new CookieJar();
      jar.store(winners[0]!.headers['set-cookie']);
      const next = await gw.http.post('/api/v1/auth/refresh').set('Cookie', jar.header('memos_refresh'));
      assert.equal(next.status, 200, 'the session survived the race');
    });

    test('a rotated refresh token presented again after the 5 s grace revokes the whole session', async () => {
      const admin = await createAdmin(gw);
      const original = admin.jar.header('memos_refresh');
      const first = await gw.http.post('/api/v1/auth/refresh').set('Cookie', original);
      assert.equal(first.status, 200);
      const jar = new CookieJar();
      jar.store(first.headers['set-cookie']);
      gw.clock.advance(2000);
      const withinGrace = await gw.http.post('/api/v1/auth/refresh').set('Cookie', original);
      assert.equal(withinGrace.status, 401);
      const stillAlive = await gw.http.post('/api/v1/auth/refresh').set('Cookie', jar.header('memos_refresh'));
      assert.equal(stillAlive.status, 200, 'a replay inside the grace period does no harm');
      jar.store(stillAlive.headers['set-cookie']);
      gw.clock.advance(6000);
      const replay = await gw.http.post('/api/v1/auth/refresh').set('Cookie', original);
      assert.equal(replay.status, 401);
      const killed = await gw.http.post('/api/v1/auth/refresh').set('Cookie', jar.header('memos_refresh'));
      assert.equal(killed.status, 401, 'the legitimate holder is signed out too: the family is revoked');
    });

    test('sign-out with the refresh cookie alone revokes the session and clears both cookies', async () => {
      const admin = await createAdmin(gw);
      const res = await gw.http.post('/api/v1/auth/signout').set('Cookie', admin.jar.header('memos_refresh'));
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {});
      const cookies = res.headers['set-cookie'] as unknown as string[];
      assert.ok(cookies.some((c) => /^memos_refresh=; Max-Age=0; Path=\/api\/v1\/auth;/.test(c)));
      assert.ok(cookies.some((c) => /^sso_session=; Max-Age=0; Path=\/;/.test(c)));
      const refresh = await gw.http.post('/api/v1/auth/refresh').set('Cookie', admin.jar.header('memos_refresh'));
      assert.equal(refresh.status, 401);
      const sessionId = await import('../../src/sessions/session-lifecycle.js').then((m) => m.findSessionIdOfSsoToken(gw.deps, admin.jar.get('sso_session')!));
      assert.equal(sessionId, null, 'the sso_session of that sign-in is dead too');
    });

    test('sign-out with only a bearer clears the cookies; with nothing at all it is 401', async () => {
      const user = await createAdmin(gw);
      const withBearer = await gw.http.post('/api/v1/auth/signout').set(user.auth);
      assert.equal(withBearer.status, 200);
      const nothing = await gw.http.post('/api/v1/auth/signout');
      assert.equal(nothing.status, 401);
    });

    test('sign-out of one device leaves the other signed in', async () => {
      await createAdmin(gw);
      const u = await createUser(gw);
      const laptop = await signIn(gw, u.username, u.password);
      const phone = await signIn(gw, u.username, u.password);
      await gw.http.post('/api/v1/auth/signout').set('Cookie', laptop.jar.header('memos_refresh')).expect(200);
      const phoneRefresh = await gw.http.post('/api/v1/auth/refresh').set('Cookie', phone.jar.header('memos_refresh'));
      assert.equal(phoneRefresh.status, 200);
    });

    test('an archived user cannot sign in, refresh or use an access token', async () => {
      const admin = await createAdmin(gw);
      const user = await createSignedInUser(gw);
      await gw.deps.store.users.update(user.userId, { state: 'ARCHIVED' }, gw.clock.now());
      const me = await gw.http.get('/api/v1/auth/me').set(user.auth);
      assert.equal(me.status, 401);
      const refresh = await gw.http.post('/api/v1/auth/refresh').set('Cookie', user.jar.header('memos_refresh'));
      assert.equal(refresh.status, 401);
      const again = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: user.username, password: user.password } });
      assert.equal(again.status, 403);
      assert.ok(admin);
    });

    test('Secure is set on cookies when the instance URL is https', async () => {
      const secure = await startTestGateway(mode, { env: { GATEWAY_INSTANCE_URL: 'https://auth.example.com' } });
      try {
        await createUser(secure, { username: 'demo', password: 'secret' });
        const res = await secure.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: 'demo', password: 'secret' } });
        for (const c of res.headers['set-cookie'] as unknown as string[]) assert.match(c, /; Secure/);
      } finally {
        await secure.close();
      }
    });

    test('X-Forwarded-Proto https makes cookies Secure only when it comes from a trusted proxy', async () => {
      await createUser(gw, { username: 'demo', password: 'secret' });
      const body = { passwordCredentials: { username: 'demo', password: 'secret' } };
      // supertest connects from loopback, which is trusted by default.
      const trusted = await gw.http.post('/api/v1/auth/signin').set('X-Forwarded-Proto', 'https').send(body);
      assert.ok((trusted.headers['set-cookie'] as unknown as string[]).every((c) => c.includes('; Secure')));
      const untrusting = await startTestGateway(mode, { env: { GATEWAY_TRUSTED_PROXIES: '10.9.9.9' } });
      try {
        await createUser(untrusting, { username: 'demo', password: 'secret' });
        const spoofed = await untrusting.http.post('/api/v1/auth/signin').set('X-Forwarded-Proto', 'https').send(body);
        assert.equal(spoofed.status, 200);
        assert.ok((spoofed.headers['set-cookie'] as unknown as string[]).every((c) => !c.includes('Secure')));
      } finally {
        await untrusting.close();
      }
    });
  });
}
