// Catalogue B13–B26: refresh tokens and sessions, on both storage modes.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createSignedInUser, createUser, signIn, type SignedIn } from '../support/users.js';

const DAY = 86_400_000;
const tidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).tid as string;

for (const mode of STORAGE_MODES) {
  describe(`catalogue B: refresh tokens and sessions [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    const refresh = (cookie: string) => gw.http.post('/api/v1/auth/refresh').set('Cookie', cookie);
    async function rotate(jar: CookieJar) {
      const res = await refresh(jar.header('memos_refresh'));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      jar.store(res.headers['set-cookie']);
      return res;
    }

    test('B13 refresh returns a new access token and a new tid; the old row is kept and marked used', async () => {
      const user = await createSignedInUser(gw);
      const rt1 = user.jar.get('memos_refresh')!;
      await rotate(user.jar);
      const rt2 = user.jar.get('memos_refresh')!;
      assert.notEqual(tidOf(rt2), tidOf(rt1));
      const old = await gw.deps.store.refreshTokens.findByTid(tidOf(rt1));
      assert.ok(old?.rotatedAt, 'RT1 is marked used, not deleted');
      assert.equal(old?.replacedBy, tidOf(rt2));
    });

    test('B14 replaying RT1 after the grace revokes RT2 and the whole family, and the event is audited', async () => {
      const user = await createSignedInUser(gw);
      const rt1 = user.jar.header('memos_refresh');
      await rotate(user.jar);
      gw.clock.advance(6000);
      assert.equal((await refresh(rt1)).status, 401);
      assert.equal((await refresh(user.jar.header('memos_refresh'))).status, 401, 'RT2 died with the family');
      const audit = await gw.http.get('/api/v1/audit-logs?event=refresh.reuse_detected').set(admin.auth);
      assert.equal(audit.body.auditLogs.length, 1);
    });

    test('B15 grace is for the direct predecessor only: RT1 right after rotation harms nothing, RT0 two generations back kills the family', async () => {
      const user = await createSignedInUser(gw);
      const rt0 = user.jar.header('memos_refresh');
      await rotate(user.jar);
      const rt1 = user.jar.header('memos_refresh');
      await rotate(user.jar);
      gw.clock.advance(1000);
      assert.equal((await refresh(rt1)).status, 401, 'the direct predecessor inside the grace: refused');
      assert.equal((await refresh(user.jar.header('memos_refresh'))).status, 200, '…and harmless');
      const jar = user.jar;
      gw.clock.advance(1000);
      assert.equal((await refresh(rt0)).status, 401);
      assert.equal((await refresh(jar.header('memos_refresh'))).status, 401, 'RT0 replayed inside 5 s still revoked the family');
    });

    test('B16 2, 5 and 20 parallel refreshes with one token: exactly one rotation, never two live children', async () => {
      for (const n of [2, 5, 20]) {
        const user = await createSignedInUser(gw);
        const cookie = user.jar.header('memos_refresh');
        const results = await Promise.all(Array.from({ length: n }, () => refresh(cookie)));
        assert.equal(results.filter((r) => r.status === 200).length, 1, `n=${n}`);
        const sessions = await gw.deps.store.sessions.listActiveByUser(user.userId, gw.clock.now());
        assert.equal(sessions.length, 1);
      }
    });

    test('B17 sliding refresh cannot make a session immortal: refused after the absolute maximum, and an idle token expires', async () => {
      const capped = await startTestGateway(mode, { env: { GATEWAY_SESSION_MAX_AGE_DAYS: '30' } });
      try {
        await createAdmin(capped);
        const u = await createUser(capped);
        const s = await signIn(capped, u.username, u.password);
        let day = 0;
        let status = 200;
        while (status === 200 && day < 40) {
          capped.clock.advance(DAY);
          day += 1;
          const res = await capped.http.post('/api/v1/auth/refresh').set('Cookie', s.jar.header('memos_refresh'));
          status = res.status;
          if (status === 200) s.jar.store(res.headers['set-cookie']);
        }
        assert.equal(status, 401);
        assert.equal(day, 30, 'refused on the day the session reached its 30-day maximum');
        const idle = await signIn(capped, u.username, u.password);
        capped.clock.advance(30 * DAY + 1000);
        assert.equal((await capped.http.post('/api/v1/auth/refresh').set('Cookie', idle.jar.header('memos_refresh'))).status, 401);
      } finally {
        await capped.close();
      }
    });

    test('B18 sign-out with an expired access token but a valid refresh cookie revokes it and clears the cookie the same way it was set', async () => {
      const user = await createSignedInUser(gw);
      gw.clock.advance(20 * 60 * 1000);
      const res = await gw.http.post('/api/v1/auth/signout').set(user.auth).set('Cookie', user.jar.header('memos_refresh'));
      assert.equal(res.status, 401, 'the expired bearer itself is refused…');
      const res2 = await gw.http.post('/api/v1/auth/signout').set('Cookie', user.jar.header('memos_refresh'));
      assert.equal(res2.status, 200, '…the cookie alone signs out');
      const cleared = (res2.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('memos_refresh='))!;
      assert.match(cleared, /Max-Age=0; Path=\/api\/v1\/auth;/);
      assert.equal((await refresh(user.jar.header('memos_refresh'))).status, 401);
    });

    test('B19 after sign-out the access token fails /auth/verify at once, as the session cookie does (issue 9: sid)', async () => {
      const user = await createSignedInUser(gw);
      await gw.http.post('/api/v1/auth/signout').set('Cookie', user.jar.header('memos_refresh')).expect(200);
      assert.equal((await gw.http.get('/auth/verify').set(user.auth)).status, 401, 'the token names an ended session');
      assert.equal((await gw.http.get('/auth/verify').set('Cookie', `sso_session=${user.jar.get('sso_session')}`)).status, 401, 'the session cookie is dead at once');
    });

    test('B20 password change, sign out everywhere and archive each revoke every session, refresh family and PAT of the user', async () => {
      const cases: Array<[string, (u: SignedIn) => Promise<unknown>]> = [
        ['password change', (u) => gw.http.patch(`/api/v1/users/${u.userId}?updateMask=password`).set(admin.auth).send({ password: 'new-password-1' }).expect(200)],
        ['sign out everywhere', (u) => gw.http.delete(`/api/v1/users/${u.userId}/sessions`).set(u.auth).expect(200)],
        ['archive', (u) => gw.http.patch(`/api/v1/users/${u.userId}?updateMask=state`).set(admin.auth).send({ state: 'ARCHIVED' }).expect(200)],
      ];
      for (const [label, act] of cases) {
        const u = await createSignedInUser(gw);
        const pat = await gw.http.post(`/api/v1/users/${u.userId}/personalAccessTokens`).set(u.auth).send({ description: 'ci' });
        assert.equal(pat.status, 200, `${label}: PAT created`);
        assert.equal((await gw.deps.store.sessions.listActiveByUser(u.userId, gw.clock.now())).length, 1, `${label}: one live session before`);
        assert.equal((await gw.http.get('/auth/verify').set('Cookie', u.jar.header('sso_session'))).status, 200, `${label}: sso_session works before`);
        await act(u);
        // The rows themselves, not only the archived-state check that would refuse the credentials anyway.
        assert.deepEqual(await gw.deps.store.sessions.listActiveByUser(u.userId, gw.clock.now()), [], `${label}: no live session row`);
        assert.deepEqual(await gw.deps.store.personalAccessTokens.listByUser(u.userId), [], `${label}: no PAT row`);
        assert.equal((await refresh(u.jar.header('memos_refresh'))).status, 401, `${label}: refresh`);
        assert.equal((await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${pat.body.token}`)).status, 401, `${label}: PAT`);
        assert.equal((await gw.http.get('/auth/verify').set('Cookie', u.jar.header('sso_session'))).status, 401, `${label}: sso_session dead`);
        if (label === 'archive') {
          // Restoring the user does not bring old credentials back: they must sign in and create new tokens.
          await gw.http.patch(`/api/v1/users/${u.userId}?updateMask=state`).set(admin.auth).send({ state: 'NORMAL' }).expect(200);
          assert.equal((await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${pat.body.token}`)).status, 401, 'restored: old PAT stays dead');
          assert.equal((await gw.http.get('/auth/verify').set('Cookie', u.jar.header('sso_session'))).status, 401, 'restored: old sso_session stays dead');
          assert.equal((await refresh(u.jar.header('memos_refresh'))).status, 401, 'restored: old refresh stays dead');
        }
      }
    });

    test('B21 a demoted admin loses admin routes at once, although the token still says ADMIN', async () => {
      const second = await createUser(gw, {}, admin);
      await gw.http.patch(`/api/v1/users/${second.id}?updateMask=role`).set(admin.auth).send({ role: 'ADMIN' }).expect(200);
      const deputy = await signIn(gw, second.username, second.password);
      assert.equal((await gw.http.get('/api/v1/users').set(deputy.auth)).status, 200);
      await gw.http.patch(`/api/v1/users/${second.id}?updateMask=role`).set(admin.auth).send({ role: 'USER' }).expect(200);
      assert.equal((await gw.http.get('/api/v1/users').set(deputy.auth)).status, 403);
    });

    test('B22 every Set-Cookie at sign-in, refresh and sign-out is HttpOnly, SameSite=Lax, host-only, small, Secure behind https, narrowed path', async () => {
      const secure = await startTestGateway(mode, { env: { GATEWAY_INSTANCE_URL: 'https://auth.example.com' } });
      try {
        const a = await createUser(secure);
        const s = await secure.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: a.username, password: a.password } });
        const jar = new CookieJar();
        jar.store(s.headers['set-cookie']);
        const r = await secure.http.post('/api/v1/auth/refresh').set('Cookie', jar.header('memos_refresh'));
        jar.store(r.headers['set-cookie']);
        const o = await secure.http.post('/api/v1/auth/signout').set('Cookie', jar.header('memos_refresh'));
        for (const res of [s, r, o]) {
          for (const c of res.headers['set-cookie'] as unknown as string[]) {
            assert.match(c, /; HttpOnly/);
            assert.match(c, /; SameSite=Lax/);
            assert.match(c, /; Secure/);
            assert.doesNotMatch(c, /Domain=/i);
            assert.ok(c.length < 4096);
            if (c.startsWith('memos_refresh=')) assert.match(c, /; Path=\/api\/v1\/auth/);
          }
        }
      } finally {
        await secure.close();
      }
    });

    test('B23 a planted second memos_refresh does not win over the real one, and signing in never reuses a planted token', async () => {
      const victim = await createSignedInUser(gw);
      const attacker = await createSignedInUser(gw);
      const planted = attacker.jar.get('memos_refresh')!;
      const res = await gw.http.post('/api/v1/auth/signin').set('Cookie', `memos_refresh=${planted}`)
        .send({ passwordCredentials: { username: victim.username, password: victim.password } });
      const jar = new CookieJar();
      jar.store(res.headers['set-cookie']);
      assert.notEqual(tidOf(jar.get('memos_refresh')!), tidOf(planted), 'a fresh tid, not the planted one');
      const both = await refresh(`memos_refresh=${jar.get('memos_refresh')}; memos_refresh=${planted}`);
      assert.equal(both.status, 200);
      const me = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${both.body.accessToken}`);
      assert.equal(me.body.user.username, victim.username, 'the first (host-only, set by us) cookie decides, deterministically');
    });

    test('B24 cross-site requests: text/plain or form bodies are 415, GET on refresh is 405, and no CORS headers are granted', async () => {
      const user = await createSignedInUser(gw);
      for (const path of ['/api/v1/auth/refresh', '/api/v1/auth/signout', '/api/v1/auth/signin']) {
        const text = await gw.http.post(path).set('Origin', 'https://evil.example').set('Content-Type', 'text/plain').set('Cookie', user.jar.header('memos_refresh')).send('{}');
        assert.equal(text.status, 415, path);
        const form = await gw.http.post(path).set('Origin', 'https://evil.example').type('form').set('Cookie', user.jar.header('memos_refresh')).send({ a: 'b' });
        assert.equal(form.status, 415, path);
        assert.equal(text.headers['access-control-allow-origin'], undefined);
        assert.equal(text.headers['access-control-allow-credentials'], undefined);
      }
      const get = await gw.http.get('/api/v1/auth/refresh').set('Cookie', user.jar.header('memos_refresh'));
      assert.equal(get.status, 405);
      assert.equal(get.headers.allow, 'POST');
      assert.equal((await refresh(user.jar.header('memos_refresh'))).status, 200, 'none of that touched the session');
    });

    test('B25 responses carrying tokens are no-store, and no token appears in a URL or Location', async () => {
      const u = await createUser(gw);
      const s = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: u.username, password: u.password } });
      assert.equal(s.headers['cache-control'], 'no-store');
      const jar = new CookieJar();
      jar.store(s.headers['set-cookie']);
      const r = await refresh(jar.header('memos_refresh'));
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.equal(s.headers.location, undefined);
      assert.equal(r.headers.location, undefined);
    });

    test('B26 /auth/verify with only the refresh cookie is 401', async () => {
      const user = await createSignedInUser(gw);
      const res = await gw.http.get('/auth/verify').set('Cookie', `memos_refresh=${user.jar.get('memos_refresh')}`);
      assert.equal(res.status, 401);
    });
  });
}
