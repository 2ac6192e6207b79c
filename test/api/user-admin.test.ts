// User management over REST, on both storage modes: list (admin, paged), get, patch (masks, admin-only fields,
// username rules, 409), password change (other sessions and PATs end, the caller's session stays), archive and
// delete (everything of the user stops working at once).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { findSessionIdOfSsoToken } from '../../src/sessions/session-lifecycle.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createPat } from '../support/pats.js';
import { createAdmin, createUser, signIn, type SignedIn } from '../support/users.js';

const refresh = (gw: TestGateway, who: SignedIn) => gw.http.post('/api/v1/auth/refresh').set('Cookie', who.jar.header('memos_refresh'));
const ssoAlive = async (gw: TestGateway, who: SignedIn) => (await findSessionIdOfSsoToken(gw.deps, who.jar.get('sso_session')!)) !== null;

for (const mode of STORAGE_MODES) {
  describe(`users API [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    async function newUser(): Promise<SignedIn> {
      const u = await createUser(gw, { email: 'someone@example.com', displayName: 'Some One' });
      return signIn(gw, u.username, u.password);
    }

    test('an admin lists users page by page with nextPageToken and totalSize; others get 403', async () => {
      const users = [await newUser(), await newUser()];
      const all = await gw.http.get('/api/v1/users').set(admin.auth);
      assert.equal(all.status, 200);
      assert.equal(all.body.totalSize, 3);
      assert.equal(all.body.nextPageToken, '');
      assert.deepEqual(all.body.users.map((u: { username: string }) => u.username), [admin.username, ...users.map((u) => u.username)]);
      assert.equal(all.body.users[1].email, 'someone@example.com', 'admins see emails');

      const seen: string[] = [];
      let pageToken = '';
      do {
        const page = await gw.http.get('/api/v1/users').query({ pageSize: 2, ...(pageToken ? { pageToken } : {}) }).set(admin.auth);
        assert.equal(page.status, 200);
        assert.ok(page.body.users.length <= 2);
        assert.equal(page.body.totalSize, 3);
        seen.push(...page.body.users.map((u: { username: string }) => u.username));
        pageToken = page.body.nextPageToken;
      } while (pageToken);
      assert.deepEqual(seen, [admin.username, ...users.map((u) => u.username)]);

      assert.equal((await gw.http.get('/api/v1/users').set(users[0]!.auth)).status, 403);
      assert.equal((await gw.http.get('/api/v1/users')).status, 401);
      assert.equal((await gw.http.get('/api/v1/users').query({ pageToken: 'garbage' }).set(admin.auth)).status, 400);
    });

    test('get names the user by id, username or me; a user sees their own email, 403 for another user', async () => {
      const u = await newUser();
      for (const ref of [String(u.userId), u.username, 'me']) {
        const res = await gw.http.get(`/api/v1/users/${ref}`).set(u.auth);
        assert.equal(res.status, 200, ref);
        assert.equal(res.body.name, `users/${u.userId}`);
        assert.equal(res.body.email, 'someone@example.com');
        assert.equal(res.body.state, 'NORMAL');
      }
      const other = await newUser();
      assert.equal((await gw.http.get(`/api/v1/users/${u.userId}`).set(other.auth)).status, 403);
      assert.equal((await gw.http.get(`/api/v1/users/${u.userId}`).set(admin.auth)).body.username, u.username);
      assert.equal((await gw.http.get('/api/v1/users/no-such-user').set(admin.auth)).status, 404);
    });

    test('patch changes the fields of updateMask (or of the body when there is none) and answers the user', async () => {
      const u = await newUser();
      const masked = await gw.http
        .patch(`/api/v1/users/${u.userId}`)
        .query({ updateMask: 'display_name,description' })
        .set(u.auth)
        .send({ displayName: 'New Name', description: 'hello', email: 'ignored@example.com' });
      assert.equal(masked.status, 200);
      assert.equal(masked.body.displayName, 'New Name');
      assert.equal(masked.body.description, 'hello');
      assert.equal(masked.body.email, 'someone@example.com', 'email was not in the mask');

      const inferred = await gw.http
        .patch('/api/v1/users/me')
        .set(u.auth)
        .send({ name: `users/${u.userId}`, email: 'new@example.com', avatarUrl: 'https://example.com/a.png', createTime: '2020-01-01T00:00:00Z' });
      assert.equal(inferred.status, 200);
      assert.equal(inferred.body.email, 'new@example.com');
      assert.equal(inferred.body.avatarUrl, 'https://example.com/a.png');
      assert.equal(inferred.body.displayName, 'New Name');

      const bad = await gw.http.patch('/api/v1/users/me').query({ updateMask: 'create_time' }).set(u.auth).send({});
      assert.equal(bad.status, 400);
      assert.equal(bad.body.message, 'invalid update path: create_time');
      assert.equal((await gw.http.patch('/api/v1/users/me').set(u.auth).send({})).status, 400, 'an empty change is refused');
      assert.equal((await gw.http.patch('/api/v1/users/me').set(u.auth).send({ avatarUrl: 'javascript:alert(1)' })).status, 400);
    });

    test('role and state are admin-only: another caller gets 403 and nothing changes', async () => {
      const u = await newUser();
      const role = await gw.http.patch('/api/v1/users/me').set(u.auth).send({ role: 'ADMIN', displayName: 'Sneaky' });
      assert.equal(role.status, 403);
      const state = await gw.http.patch('/api/v1/users/me').query({ updateMask: 'state' }).set(u.auth).send({ state: 'ARCHIVED' });
      assert.equal(state.status, 403);
      const stored = await gw.deps.store.users.findById(u.userId);
      assert.equal(stored?.role, 'USER');
      assert.equal(stored?.state, 'NORMAL');
      assert.equal(stored?.displayName, 'Some One', 'the refused request changed no field at all');
      const promoted = await gw.http.patch(`/api/v1/users/${u.userId}`).set(admin.auth).send({ role: 'ADMIN' });
      assert.equal(promoted.status, 200);
      assert.equal(promoted.body.role, 'ADMIN');
      assert.equal((await gw.http.get('/api/v1/users').set(u.auth)).status, 200, 'the role is read from the database, not the token');
    });

    test('username: the Memos rule (400), a taken name (409), and disallowChangeUsername/Nickname (403)', async () => {
      const u = await newUser();
      const other = await newUser();
      // Self-renaming is off by default (issue 9 item 2): this instance allows it, as Memos does.
      await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send({ generalSetting: { allowUsernameChange: true } }).expect(200);
      assert.equal((await gw.http.patch('/api/v1/users/me').set(u.auth).send({ username: '-bad-' })).status, 400);
      const taken = await gw.http.patch('/api/v1/users/me').set(u.auth).send({ username: other.username });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.code, 6);
      const renamed = await gw.http.patch('/api/v1/users/me').set(u.auth).send({ username: `${u.username}-x` });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.username, `${u.username}-x`);

      await gw.http
        .patch('/api/v1/instance/settings/GENERAL')
        .set(admin.auth)
        .send({ generalSetting: { disallowChangeUsername: true, disallowChangeNickname: true } })
        .expect(200);
      const blocked = await gw.http.patch('/api/v1/users/me').set(u.auth).send({ username: `${u.username}-y` });
      assert.equal(blocked.status, 403);
      assert.equal(blocked.body.message, 'permission denied: disallow change username');
      const nick = await gw.http.patch('/api/v1/users/me').set(u.auth).send({ displayName: 'Other' });
      assert.equal(nick.status, 403);
      assert.equal(nick.body.message, 'permission denied: disallow change nickname');
      assert.equal((await gw.http.patch('/api/v1/users/me').set(u.auth).send({ description: 'still fine' })).status, 200);
    });

    test('a password change ends the other sessions and the PATs; the session that changed it keeps working', async () => {
      const u = await createUser(gw);
      const laptop = await signIn(gw, u.username, u.password, { 'User-Agent': 'laptop' });
      gw.clock.advance(1000);
      const phone = await signIn(gw, u.username, u.password, { 'User-Agent': 'phone' });
      const pat = await createPat(gw, laptop);

      const res = await gw.http.patch(`/api/v1/users/${u.id}`).query({ updateMask: 'password' }).set(laptop.auth).send({ password: 'a brand new secret', oldPassword: u.password });
      assert.equal(res.status, 200);
      assert.equal(res.body.password, undefined, 'no password in the answer');

      assert.equal((await refresh(gw, phone)).status, 401, "the phone's refresh token is dead");
      assert.equal(await ssoAlive(gw, phone), false, "the phone's sso_session is dead");
      assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 401, 'the PAT is gone');
      assert.equal((await refresh(gw, laptop)).status, 200, 'the laptop that changed it stays signed in');
      assert.equal(await ssoAlive(gw, laptop), true);

      const old = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: u.username, password: u.password } });
      assert.equal(old.status, 401);
      await signIn(gw, u.username, 'a brand new secret');
    });

    test('the changing session is found when two sign-ins share a second (with its sso_session cookie too)', async () => {
      const u = await createUser(gw);
      const laptop = await signIn(gw, u.username, u.password);
      const phone = await signIn(gw, u.username, u.password);
      assert.notEqual(laptop.accessToken, phone.accessToken, 'same user, same second: the sid claims differ');
      await gw.http
        .patch('/api/v1/users/me')
        .set(laptop.auth)
        .set('Cookie', laptop.jar.header('sso_session'))
        .send({ password: 'a brand new secret', oldPassword: u.password })
        .expect(200);
      assert.equal((await refresh(gw, laptop)).status, 200);
      assert.equal((await refresh(gw, phone)).status, 401);
    });

    test('the bearer alone (no cookie) names its session by sid, also when two sign-ins share a second', async () => {
      const u = await createUser(gw);
      const laptop = await signIn(gw, u.username, u.password);
      const phone = await signIn(gw, u.username, u.password);
      await gw.http.patch('/api/v1/users/me').set(laptop.auth).send({ password: 'a brand new secret', oldPassword: u.password }).expect(200);
      assert.equal((await refresh(gw, laptop)).status, 200);
      assert.equal((await refresh(gw, phone)).status, 401);
    });

    test('password and email need an interactive sign-in: a PAT gets 403; bad passwords are 400', async () => {
      const u = await newUser();
      const pat = await createPat(gw, u);
      assert.equal((await gw.http.patch('/api/v1/users/me').set(pat.auth).send({ password: 'changed by a script' })).status, 403);
      assert.equal((await gw.http.patch('/api/v1/users/me').set(pat.auth).send({ email: 'evil@example.com' })).status, 403);
      assert.equal((await gw.http.patch('/api/v1/users/me').set(pat.auth).send({ description: 'fine' })).status, 200);
      assert.equal((await gw.http.patch('/api/v1/users/me').set(u.auth).send({ password: '', oldPassword: u.password })).status, 400);
      assert.equal((await gw.http.patch('/api/v1/users/me').set(u.auth).send({ password: 'é'.repeat(37), oldPassword: u.password })).status, 400, 'over 72 bytes');
      await signIn(gw, u.username, u.password);
    });

    test("an admin changing another user's password ends all of that user's sessions", async () => {
      const u = await newUser();
      await gw.http.patch(`/api/v1/users/${u.username}`).set(admin.auth).send({ password: 'reset by admin' }).expect(200);
      assert.equal((await refresh(gw, u)).status, 401);
      assert.equal((await refresh(gw, admin)).status, 200, "the admin's own session is untouched");
    });

    test('archiving ends every session and makes the access token and PATs fail at once', async () => {
      const u = await newUser();
      const pat = await createPat(gw, u);
      const res = await gw.http.patch(`/api/v1/users/${u.userId}`).query({ updateMask: 'state' }).set(admin.auth).send({ state: 'ARCHIVED' });
      assert.equal(res.status, 200);
      assert.equal(res.body.state, 'ARCHIVED');
      assert.equal((await gw.http.get('/api/v1/auth/me').set(u.auth)).status, 401);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 401);
      assert.equal((await refresh(gw, u)).status, 401);
      assert.equal(await ssoAlive(gw, u), false);
      const sessions = await gw.http.get(`/api/v1/users/${u.userId}/sessions`).set(admin.auth);
      assert.deepEqual(sessions.body.sessions, []);
    });

    test('delete removes the user with their sessions, refresh tokens and PATs', async () => {
      const u = await newUser();
      const pat = await createPat(gw, u);
      const sessionIds = (await gw.deps.store.sessions.listActiveByUser(u.userId, gw.clock.now())).map((s) => s.id);
      assert.equal(sessionIds.length, 1);
      const res = await gw.http.delete(`/api/v1/users/${u.userId}`).set(admin.auth);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {});
      assert.equal((await gw.http.get(`/api/v1/users/${u.userId}`).set(admin.auth)).status, 404);
      assert.equal(await gw.deps.store.sessions.findById(sessionIds[0]!), null, 'session row deleted');
      assert.deepEqual(await gw.deps.store.personalAccessTokens.listByUser(u.userId), []);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 401);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(u.auth)).status, 401);
      assert.equal((await refresh(gw, u)).status, 401);
      assert.equal((await gw.http.delete(`/api/v1/users/${u.userId}`).set(admin.auth)).status, 404);
    });

    test('deleting oneself needs an interactive sign-in and clears the session cookies; another user cannot delete you', async () => {
      const u = await newUser();
      const other = await newUser();
      assert.equal((await gw.http.delete(`/api/v1/users/${u.userId}`).set(other.auth)).status, 403);
      const pat = await createPat(gw, u);
      assert.equal((await gw.http.delete('/api/v1/users/me').set(pat.auth)).status, 403, 'a PAT cannot delete its own account');
      const res = await gw.http.delete('/api/v1/users/me').set(u.auth);
      assert.equal(res.status, 200);
      const cookies = res.headers['set-cookie'] as unknown as string[];
      assert.ok(cookies.some((c) => c.startsWith('memos_refresh=; Max-Age=0')));
      assert.ok(cookies.some((c) => c.startsWith('sso_session=; Max-Age=0')));
    });
  });
}
