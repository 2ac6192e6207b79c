// Sessions (devices) over REST, on both storage modes: the list with client info, revoking one device (its
// refresh cookie and sso_session die, the other device lives), signing out everywhere, and the client IP taken
// from X-Forwarded-For only when the peer is a trusted proxy.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { findSessionIdOfSsoToken } from '../../src/sessions/session-lifecycle.js';
import { rfc3339 } from '../../src/http/timestamps.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createPat } from '../support/pats.js';
import { createAdmin, createUser, signIn, type SignedIn } from '../support/users.js';

const DESKTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const PHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

const refresh = (gw: TestGateway, who: SignedIn) => gw.http.post('/api/v1/auth/refresh').set('Cookie', who.jar.header('memos_refresh'));
const ssoAlive = async (gw: TestGateway, who: SignedIn) => (await findSessionIdOfSsoToken(gw.deps, who.jar.get('sso_session')!)) !== null;

for (const mode of STORAGE_MODES) {
  describe(`sessions API [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    let laptop: SignedIn;
    let phone: SignedIn;
    let userId: number;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      admin = await createAdmin(gw);
      const u = await createUser(gw);
      userId = u.id;
      laptop = await signIn(gw, u.username, u.password, { 'User-Agent': DESKTOP_UA });
      gw.clock.advance(1000);
      phone = await signIn(gw, u.username, u.password, { 'User-Agent': PHONE_UA });
    });
    afterEach(() => gw.close());

    async function listSessions(who: SignedIn, ref: string | number = 'me') {
      const res = await gw.http.get(`/api/v1/users/${ref}/sessions`).set(who.auth);
      assert.equal(res.status, 200);
      return res.body.sessions as Array<Record<string, any>>;
    }

    test('two sign-ins with different user agents are two devices, each with parsed client info', async () => {
      const sessions = await listSessions(laptop);
      assert.equal(sessions.length, 2);
      const [first, second] = sessions;
      assert.deepEqual(Object.keys(first!).sort(), ['clientInfo', 'createTime', 'lastAccessedTime', 'name', 'sessionId']);
      assert.equal(first!.name, `users/${userId}/sessions/${first!.sessionId}`);
      assert.match(first!.sessionId, /^[0-9a-f-]{36}$/);
      assert.equal(new Date(second!.createTime).getTime() - new Date(first!.createTime).getTime(), 1000);
      assert.deepEqual(first!.clientInfo, { userAgent: DESKTOP_UA, ipAddress: '127.0.0.1', deviceType: 'desktop', os: 'Windows 10', browser: 'Chrome 120.0.0.0' });
      assert.equal(second!.clientInfo.userAgent, PHONE_UA);
      assert.equal(second!.clientInfo.deviceType, 'mobile');
      assert.equal(second!.clientInfo.os, 'iOS 17.1');
      assert.match(second!.clientInfo.browser, /Safari 17\.1$/);
    });

    test('lastAccessedTime follows the refreshes of that device only', async () => {
      gw.clock.advance(60_000);
      await refresh(gw, phone).expect(200);
      const [l, p] = await listSessions(laptop);
      assert.equal(p!.lastAccessedTime, rfc3339(gw.clock.now()));
      assert.equal(l!.lastAccessedTime, l!.createTime);
    });

    test('revoking one device kills its refresh cookie and sso_session; the other device keeps working', async () => {
      const [, phoneSession] = await listSessions(laptop);
      const res = await gw.http.delete(`/api/v1/users/${userId}/sessions/${phoneSession!.sessionId}`).set(laptop.auth);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {});
      assert.equal(res.headers['set-cookie'], undefined, "the laptop's own cookies are left alone");
      assert.equal((await refresh(gw, phone)).status, 401);
      assert.equal(await ssoAlive(gw, phone), false);
      assert.equal((await refresh(gw, laptop)).status, 200);
      assert.equal(await ssoAlive(gw, laptop), true);
      assert.deepEqual((await listSessions(laptop)).map((s) => s.clientInfo.userAgent), [DESKTOP_UA]);
      const again = await gw.http.delete(`/api/v1/users/${userId}/sessions/${phoneSession!.sessionId}`).set(laptop.auth);
      assert.equal(again.status, 404, 'an ended session is gone');
    });

    test('revoking the current session clears its cookies in the same answer', async () => {
      const [laptopSession] = await listSessions(laptop);
      const res = await gw.http.delete(`/api/v1/users/me/sessions/${laptopSession!.sessionId}`).set(laptop.auth);
      assert.equal(res.status, 200);
      const cookies = res.headers['set-cookie'] as unknown as string[];
      assert.ok(cookies.some((c) => c.startsWith('sso_session=; Max-Age=0')));
      assert.equal((await refresh(gw, laptop)).status, 401);
      assert.equal((await refresh(gw, phone)).status, 200);
    });

    test("another user's session id is 404 through your own path and stays alive", async () => {
      const adminSessions = await listSessions(admin);
      const res = await gw.http.delete(`/api/v1/users/me/sessions/${adminSessions[0]!.sessionId}`).set(laptop.auth);
      assert.equal(res.status, 404);
      assert.equal((await refresh(gw, admin)).status, 200);
      assert.equal((await gw.http.delete('/api/v1/users/me/sessions/not-a-session').set(laptop.auth)).status, 400);
    });

    test("an admin lists and revokes another user's sessions; that user cannot see the admin's", async () => {
      const sessions = await listSessions(admin, userId);
      assert.equal(sessions.length, 2);
      await gw.http.delete(`/api/v1/users/${userId}/sessions/${sessions[0]!.sessionId}`).set(admin.auth).expect(200);
      assert.equal((await refresh(gw, laptop)).status, 401);
      assert.equal((await gw.http.get(`/api/v1/users/${admin.userId}/sessions`).set(phone.auth)).status, 403);
    });

    test('signing out everywhere ends every session and deletes the PATs of the user', async () => {
      const pat = await createPat(gw, laptop);
      const res = await gw.http.delete(`/api/v1/users/${userId}/sessions`).set(laptop.auth);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {});
      const cookies = res.headers['set-cookie'] as unknown as string[];
      assert.ok(cookies.some((c) => c.startsWith('memos_refresh=; Max-Age=0')));
      assert.equal((await refresh(gw, laptop)).status, 401);
      assert.equal((await refresh(gw, phone)).status, 401);
      assert.equal(await ssoAlive(gw, phone), false);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 401);
      assert.deepEqual(await gw.deps.store.sessions.listActiveByUser(userId, gw.clock.now()), []);
      assert.equal((await refresh(gw, admin)).status, 200, "other users' sessions are untouched");
    });

    test('with the default trusted proxy (loopback) the session records the X-Forwarded-For client', async () => {
      const u = await createUser(gw);
      const viaProxy = await signIn(gw, u.username, u.password, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.9' });
      const [session] = await listSessions(viaProxy);
      // The right-most address not itself trusted is the client (the left-most is whatever the client claimed).
      assert.equal(session!.clientInfo.ipAddress, '203.0.113.9');
    });

    test('when the peer is not a trusted proxy, X-Forwarded-For is ignored and the socket address is recorded', async () => {
      const strict = await startTestGateway(mode, { env: { GATEWAY_TRUSTED_PROXIES: '10.9.9.9' } });
      try {
        const u = await createUser(strict);
        const spoofed = await signIn(strict, u.username, u.password, { 'X-Forwarded-For': '8.8.8.8' });
        const res = await strict.http.get('/api/v1/users/me/sessions').set(spoofed.auth);
        assert.equal(res.body.sessions[0].clientInfo.ipAddress, '127.0.0.1');
      } finally {
        await strict.close();
      }
    });
  });
}
