// Memos CreateUser on both storage modes: first user is the one admin, registration gates, validation.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createUser } from '../support/users.js';

for (const mode of STORAGE_MODES) {
  describe(`create user [${mode}]`, () => {
    let gw: TestGateway;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
    });
    afterEach(() => gw.close());

    test('the first user becomes ADMIN, the next ones USER', async () => {
      const first = await createUser(gw, { username: 'first' });
      const second = await createUser(gw, { username: 'second' });
      assert.equal(first.role, 'ADMIN');
      assert.equal(second.role, 'USER');
    });

    test('the response is the Memos User; no token is issued and the password is never echoed', async () => {
      const res = await gw.http.post('/api/v1/users').send({ username: 'demo', password: 'secret', email: 'demo@example.com', displayName: 'Demo' });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), [
        'avatarUrl', 'createTime', 'description', 'displayName', 'email', 'emailVerified', 'name', 'role', 'state', 'updateTime', 'username',
        'usernameLocked',
      ]);
      assert.equal(res.body.displayName, 'Demo');
      assert.equal(res.body.state, 'NORMAL');
      assert.equal(res.headers['set-cookie'], undefined);
      assert.doesNotMatch(JSON.stringify(res.body), /secret|\$2[aby]\$/);
    });

    test('on an empty instance, 8 concurrent sign-ups give exactly one ADMIN', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => gw.http.post('/api/v1/users').send({ username: `racer-${i}`, password: 'pw' })),
      );
      assert.ok(results.every((r) => r.status === 200));
      assert.equal(results.filter((r) => r.body.role === 'ADMIN').length, 1);
    });

    test('an anonymous or ordinary caller asking for role ADMIN gets USER', async () => {
      const admin = await createAdmin(gw);
      const anon = await gw.http.post('/api/v1/users').send({ username: 'sneaky', password: 'pw', role: 'ADMIN' });
      assert.equal(anon.status, 200);
      assert.equal(anon.body.role, 'USER');
      const asAdmin = await gw.http.post('/api/v1/users').set(admin.auth).send({ username: 'deputy', password: 'pw', role: 'ADMIN' });
      assert.equal(asAdmin.body.role, 'ADMIN', 'an admin may create admins');
    });

    test('unknown fields are ignored and never applied', async () => {
      const res = await gw.http
        .post('/api/v1/users')
        .send({ username: 'demo', password: 'pw', state: 'ARCHIVED', id: 77, name: 'users/77', passwordHash: 'x', __proto__: { role: 'ADMIN' } });
      assert.equal(res.status, 200);
      assert.equal(res.body.state, 'NORMAL');
      assert.notEqual(res.body.name, 'users/77');
    });

    test('a duplicate username is 409 AlreadyExists and writes nothing', async () => {
      await createUser(gw, { username: 'demo' });
      const res = await gw.http.post('/api/v1/users').send({ username: 'demo', password: 'other' });
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 6);
      assert.equal(await gw.deps.store.users.count(), 1);
    });

    test('disallowUserRegistration refuses anonymous sign-up with 403, but an admin may still create users', async () => {
      const admin = await createAdmin(gw);
      await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send({ generalSetting: { disallowUserRegistration: true } }).expect(200);
      const res = await gw.http.post('/api/v1/users').send({ username: 'late', password: 'pw' });
      assert.equal(res.status, 403);
      assert.equal(res.body.message, 'user registration is not allowed');
      const byAdmin = await gw.http.post('/api/v1/users').set(admin.auth).send({ username: 'invited', password: 'pw' });
      assert.equal(byAdmin.status, 200);
      assert.equal(await gw.deps.store.users.count(), 2);
    });

    test('disallowPasswordAuth refuses password sign-up (403) and password sign-in for non-admins only', async () => {
      const admin = await createAdmin(gw);
      const user = await createUser(gw);
      await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send({ generalSetting: { disallowPasswordAuth: true } }).expect(200);
      const signup = await gw.http.post('/api/v1/users').send({ username: 'late', password: 'pw' });
      assert.equal(signup.status, 403);
      assert.equal(signup.body.message, 'password signup is not allowed');
      const right = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: user.username, password: user.password } });
      const wrong = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: user.username, password: 'wrong' } });
      assert.equal(right.status, 403);
      assert.deepEqual(wrong.body, right.body, 'the answer does not reveal whether the password was right');
      const adminSignIn = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } });
      assert.equal(adminSignIn.status, 200);
    });

    test('validateOnly previews without writing', async () => {
      const res = await gw.http.post('/api/v1/users?validateOnly=true').send({ username: 'preview', password: 'pw' });
      assert.equal(res.status, 200);
      assert.equal(res.body.username, 'preview');
      assert.equal(await gw.deps.store.users.count(), 0);
    });

    test('invalid usernames, empty and over-long passwords are 400 naming the field, nothing written', async () => {
      const cases: Array<[object, string]> = [
        [{ username: '-bad', password: 'pw' }, 'username'],
        [{ username: 'bad-', password: 'pw' }, 'username'],
        [{ username: 'a'.repeat(37), password: 'pw' }, 'username'],
        [{ username: 'has space', password: 'pw' }, 'username'],
        [{ username: 'ok', password: '' }, 'password'],
        [{ username: 'ok', password: 'é'.repeat(37) }, 'password'],
        [{ username: 'ok', password: 'pw', email: 'not-an-email' }, 'email'],
        [{ username: 12, password: 'pw' }, 'username'],
        [{ password: 'pw' }, 'username'],
      ];
      for (const [body, field] of cases) {
        const res = await gw.http.post('/api/v1/users').send(body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.code, 3);
        assert.match(JSON.stringify(res.body.details), new RegExp(field), JSON.stringify(res.body));
      }
      assert.equal(await gw.deps.store.users.count(), 0);
    });

    test('userId query must equal the username', async () => {
      const res = await gw.http.post('/api/v1/users?userId=other').send({ username: 'demo', password: 'pw' });
      assert.equal(res.status, 400);
      assert.equal(res.body.message, 'user_id must match user.username');
    });
  });
}
