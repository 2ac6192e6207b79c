// Issue 9, outside review, on both storage modes: R1 access tokens die with their session (API and /auth/verify,
// also on a second replica within the cache bound), the current password for one's own password change, a
// recent sign-in or the password for a new PAT; R10 same-second invalidation; R12 Origin on cookie POSTs; R15
// pat.revoked only for a token that was revoked.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { issueAccessToken } from '../../src/auth/access-token.js';
import { signToken } from '../../src/auth/jwt.js';
import { SESSION_CACHE_TTL_MS } from '../../src/forward-auth/session-check.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createSignedInUser, createUser, signIn, type SignedIn } from '../support/users.js';
import { bearer, forwardAuthEnv, INSTANCE_URL, verify } from '../support/verify.js';

const MINUTE = 60_000;
const sidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).sid as string;

for (const mode of STORAGE_MODES) {
  describe(`issue 9 review: tokens and sessions [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: forwardAuthEnv(null) });
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    const me = (auth: { Authorization: string }) => gw.http.get('/api/v1/auth/me').set(auth);
    const newPat = (u: SignedIn, body: Record<string, unknown> = { description: 'ci' }) =>
      gw.http.post(`/api/v1/users/${u.userId}/personalAccessTokens`).set(u.auth).send(body);

    async function assertTokenDead(u: SignedIn, label: string) {
      const api = await me(u.auth);
      assert.equal(api.status, 401, `${label}: GET /auth/me`);
      assert.match(String(api.headers['www-authenticate']), /invalid_token/);
      assert.equal((await newPat(u)).status, 401, `${label}: POST personalAccessTokens`);
      assert.equal((await verify(gw, bearer(u.accessToken))).status, 401, `${label}: /auth/verify`);
    }

    test('R1 an access token of a signed-out session is refused by the API and by /auth/verify', async () => {
      const cases: Array<[string, (u: SignedIn, other: SignedIn) => Promise<unknown>]> = [
        ['sign-out', (u) => gw.http.post('/api/v1/auth/signout').set('Cookie', u.jar.header('memos_refresh')).expect(200)],
        ['sign out everywhere', (_u, other) => gw.http.delete(`/api/v1/users/${other.userId}/sessions`).set(other.auth).expect(200)],
        ['password change', (u, other) =>
          gw.http.patch(`/api/v1/users/${other.userId}?updateMask=password`).set(other.auth).send({ password: 'a new password 1', oldPassword: u.password }).expect(200)],
        ['archive', (u) => gw.http.patch(`/api/v1/users/${u.userId}?updateMask=state`).set(admin.auth).send({ state: 'ARCHIVED' }).expect(200)],
        ['admin revoke of the session', (u) =>
          gw.http.delete(`/api/v1/users/${u.userId}/sessions/${sidOf(u.accessToken)}`).set(admin.auth).expect(200)],
      ];
      for (const [label, act] of cases) {
        const created = await createUser(gw, {}, admin);
        const stolen = await signIn(gw, created.username, created.password);
        const owner = await signIn(gw, created.username, created.password);
        // Warm every cache: the token is known good before the revocation.
        assert.equal((await me(stolen.auth)).status, 200, `${label}: before`);
        assert.equal((await verify(gw, bearer(stolen.accessToken))).status, 200, `${label}: before`);
        await act(stolen, owner);
        await assertTokenDead(stolen, label);
      }
    });

    test('R1 a revoked session leaves its access token dead on a second replica within the cache bound', async () => {
      const b = await startTestGateway(mode, { storage: gw.storage, env: forwardAuthEnv(null), clock: gw.clock });
      try {
        const u = await createSignedInUser(gw);
        assert.equal((await verify(b, bearer(u.accessToken))).status, 200, 'B knows the session is live');
        await gw.http.post('/api/v1/auth/signout').set('Cookie', u.jar.header('memos_refresh')).expect(200);
        assert.equal((await b.http.get('/api/v1/auth/me').set(u.auth)).status, 401, 'B\'s API reads the session: at once');
        gw.clock.advance(SESSION_CACHE_TTL_MS);
        assert.equal((await verify(b, bearer(u.accessToken))).status, 401, 'B\'s /auth/verify: after the cache bound');
      } finally {
        await b.close();
      }
    });

    test('R1 an access token without a session id (issued before sid) is refused by the API and by /auth/verify', async () => {
      const user = (await gw.deps.store.users.findById(admin.userId))!;
      const { token } = await signToken(gw.deps.keys, 'access', { username: user.username, role: user.role, status: 'ACTIVE' }, String(user.id), gw.clock.now(), 900);
      assert.equal((await me(bearer(token))).status, 401);
      assert.equal((await verify(gw, bearer(token))).status, 401);
      const [session] = await gw.deps.store.sessions.listActiveByUser(admin.userId, gw.clock.now());
      const withSid = (await issueAccessToken(gw.deps.keys, user, session!.id, gw.clock.now())).token;
      assert.equal((await me(bearer(withSid))).status, 200, 'the same claims with a live sid pass');
    });

    test('R1 a self-service password change needs the current password in oldPassword; an admin reset does not', async () => {
      const u = await createSignedInUser(gw);
      const change = (body: Record<string, unknown>, auth = u.auth, who: number = u.userId) =>
        gw.http.patch(`/api/v1/users/${who}?updateMask=password`).set(auth).send(body);
      const missing = await change({ password: 'stolen-token-choice' });
      assert.equal(missing.status, 400);
      assert.match(missing.body.message, /oldPassword/);
      const wrong = await change({ password: 'stolen-token-choice', oldPassword: 'a guess' });
      assert.equal(wrong.status, 403);
      assert.match(wrong.body.message, /oldPassword/);
      await signIn(gw, u.username, u.password);
      const right = await change({ password: 'the owner\'s new one', oldPassword: u.password });
      assert.equal(right.status, 200, JSON.stringify(right.body));
      await signIn(gw, u.username, 'the owner\'s new one');
      assert.equal((await change({ password: 'reset by admin' }, admin.auth)).status, 200, 'an admin resetting someone else\'s');
      await signIn(gw, u.username, 'reset by admin');
      assert.equal((await change({ password: 'admin own' }, admin.auth, admin.userId)).status, 400, 'an admin\'s own password is self-service');
    });

    test('R1 creating a PAT with a sign-in older than 10 minutes needs the password; with it, it works (both shapes)', async () => {
      const u = await createSignedInUser(gw);
      assert.equal((await newPat(u)).status, 200, 'a fresh sign-in is enough');
      gw.clock.advance(11 * MINUTE);
      const refreshed = await gw.http.post('/api/v1/auth/refresh').set('Cookie', u.jar.header('memos_refresh'));
      assert.equal(refreshed.status, 200);
      const stale = { ...u, auth: bearer(refreshed.body.accessToken) };
      const refused = await newPat(stale);
      assert.equal(refused.status, 403, 'a refreshed token of an old sign-in is not enough');
      assert.match(refused.body.message, /10 minutes.*password/);
      const legacy = (body: Record<string, unknown>) => gw.http.post('/api/v1/users/me/access_tokens').set(stale.auth).send(body);
      assert.equal((await legacy({ name: 'ci' })).status, 403);
      assert.equal((await newPat(stale, { description: 'ci', password: 'wrong' })).status, 403);
      assert.equal((await legacy({ name: 'ci', password: 'wrong' })).status, 403);
      assert.equal((await newPat(stale, { description: 'ci', password: u.password })).status, 200);
      assert.equal((await legacy({ name: 'ci', password: u.password })).status, 200);
      const list = await gw.http.get(`/api/v1/users/${u.userId}/personalAccessTokens`).set(stale.auth);
      assert.equal(list.body.personalAccessTokens.length, 3);
    });

    test('R10 a token issued in the same second as a demotion is refused at /auth/verify', async () => {
      const second = await createUser(gw, {}, admin);
      await gw.http.patch(`/api/v1/users/${second.id}?updateMask=role`).set(admin.auth).send({ role: 'ADMIN' }).expect(200);
      gw.clock.set(new Date(Math.floor(gw.clock.now().getTime() / 1000) * 1000 + 2000 + 100));
      const promoted = await signIn(gw, second.username, second.password);
      assert.equal((await verify(gw, bearer(promoted.accessToken))).status, 200);
      gw.clock.advance(500);
      await gw.http.patch(`/api/v1/users/${second.id}?updateMask=role`).set(admin.auth).send({ role: 'USER' }).expect(200);
      assert.equal((await verify(gw, bearer(promoted.accessToken))).status, 401, 'iat is the same second as the demotion');
      gw.clock.advance(1000);
      const fresh = await gw.http.post('/api/v1/auth/refresh').set('Cookie', promoted.jar.header('memos_refresh'));
      assert.equal(fresh.status, 200);
      const res = await verify(gw, bearer(fresh.body.accessToken));
      assert.equal(res.status, 200, 'a token of a later second passes');
      assert.equal(res.headers['x-auth-request-role'], 'USER');
    });

    test('R12 sign-out and refresh with cookies and a foreign Origin are refused; own Origin or none is allowed', async () => {
      const u = await createSignedInUser(gw);
      const cookies = u.jar.header();
      for (const origin of ['https://app.example.test', 'null', 'https://auth.example.test.evil.test']) {
        const out = await gw.http.post('/api/v1/auth/signout').set({ Cookie: cookies, Origin: origin });
        assert.equal(out.status, 403, `sign-out from ${origin}`);
        assert.match(out.body.message, /auth\.example\.test/);
        assert.equal(out.headers['set-cookie'], undefined, 'nothing cleared');
        assert.equal((await gw.http.post('/api/v1/auth/refresh').set({ Cookie: cookies, Origin: origin })).status, 403, `refresh from ${origin}`);
      }
      assert.equal((await me(u.auth)).status, 200, 'the session lives on');
      const own = await gw.http.post('/api/v1/auth/refresh').set({ Cookie: u.jar.header('memos_refresh'), Origin: INSTANCE_URL });
      assert.equal(own.status, 200);
      u.jar.store(own.headers['set-cookie']);
      assert.equal((await gw.http.post('/api/v1/auth/refresh').set({ Cookie: u.jar.header('memos_refresh') })).status, 200, 'no Origin (curl)');
      const bearerOnly = await gw.http.post('/api/v1/auth/signout').set({ ...u.auth, Origin: 'https://app.example.test' });
      assert.equal(bearerOnly.status, 200, 'no cookies: nothing a foreign page could ride on');
      assert.equal((await gw.http.post('/api/v1/auth/signout').set({ Cookie: u.jar.header(), Origin: INSTANCE_URL })).status, 200);
    });

    test('R15 pat.revoked is audited only for a token that was revoked', async () => {
      const u = await createSignedInUser(gw);
      const created = await newPat(u);
      const tokenId = String(created.body.personalAccessToken.name).split('/').pop()!;
      const unknown = await gw.http.delete(`/api/v1/users/${u.userId}/personalAccessTokens/00000000-0000-4000-8000-000000000000`).set(u.auth);
      assert.equal(unknown.status, 200, 'unknown id: idempotent, as in Memos');
      assert.deepEqual(unknown.body, {});
      const audited = async () => (await gw.http.get('/api/v1/audit-logs?event=pat.revoked').set(admin.auth)).body.auditLogs as Array<{ subject: string }>;
      assert.equal((await audited()).length, 0);
      await gw.http.delete(`/api/v1/users/${u.userId}/personalAccessTokens/${tokenId}`).set(u.auth).expect(200);
      await gw.http.delete(`/api/v1/users/${u.userId}/personalAccessTokens/${tokenId}`).set(u.auth).expect(200);
      assert.deepEqual((await audited()).map((e) => e.subject), [tokenId]);
    });
  });
}
