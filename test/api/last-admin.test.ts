// The last admin cannot be removed, and deleting a user removes their SSO links, on both storage modes.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createUser } from '../support/users.js';

for (const mode of STORAGE_MODES) {
  describe(`last admin and user deletion [${mode}]`, () => {
    let gw: TestGateway;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
    });
    afterEach(() => gw.close());

    test('the only admin cannot demote, archive or delete themself (400, nothing changed)', async () => {
      const admin = await createAdmin(gw);
      const path = `/api/v1/users/${admin.userId}`;
      const demote = await gw.http.patch(`${path}?updateMask=role`).set(admin.auth).send({ role: 'USER' });
      assert.equal(demote.status, 400);
      assert.match(demote.body.message, /last admin/);
      const archive = await gw.http.patch(`${path}?updateMask=state`).set(admin.auth).send({ state: 'ARCHIVED' });
      assert.equal(archive.status, 400);
      const remove = await gw.http.delete(path).set(admin.auth);
      assert.equal(remove.status, 400);
      const me = await gw.http.get('/api/v1/auth/me').set(admin.auth);
      assert.equal(me.body.user.role, 'ADMIN');
      assert.equal(me.body.user.state, 'NORMAL');
    });

    test('with a second admin, the first may step down', async () => {
      const admin = await createAdmin(gw);
      const other = await createUser(gw, {}, admin);
      await gw.http.patch(`/api/v1/users/${other.id}?updateMask=role`).set(admin.auth).send({ role: 'ADMIN' }).expect(200);
      const demote = await gw.http.patch(`/api/v1/users/${admin.userId}?updateMask=role`).set(admin.auth).send({ role: 'USER' });
      assert.equal(demote.status, 200);
      assert.equal(demote.body.role, 'USER');
    });

    test('deleting a user deletes their identity links in the same transaction', async () => {
      const admin = await createAdmin(gw);
      const user = await createUser(gw, {}, admin);
      await gw.deps.store.identities.create({ userId: user.id, provider: 'corp', externUid: 'alice-sub', createdAt: gw.clock.now() });
      assert.ok(await gw.deps.store.identities.find('corp', 'alice-sub'));
      await gw.http.delete(`/api/v1/users/${user.id}`).set(admin.auth).expect(200);
      assert.equal(await gw.deps.store.identities.find('corp', 'alice-sub'), null);
      assert.deepEqual(await gw.deps.store.identities.listForUser(user.id), []);
    });
  });
}
