// Instance settings (GENERAL) on both storage modes: public read, admin-only partial write, both PATCH shapes.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createSignedInUser } from '../support/users.js';

for (const mode of STORAGE_MODES) {
  describe(`instance settings [${mode}]`, () => {
    let gw: TestGateway;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
    });
    afterEach(() => gw.close());

    test('GENERAL is readable anonymously with every default field present', async () => {
      const res = await gw.http.get('/api/v1/instance/settings/GENERAL');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        name: 'instance/settings/GENERAL',
        generalSetting: {
          disallowUserRegistration: false, disallowPasswordAuth: false, additionalScript: '', additionalStyle: '',
          weekStartDayOffset: 0, disallowChangeUsername: false, disallowChangeNickname: false, allowUsernameChange: false,
        },
      });
    });

    test('PATCH changes only the fields sent', async () => {
      const admin = await createAdmin(gw);
      await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send({ generalSetting: { disallowUserRegistration: true, weekStartDayOffset: 1 } }).expect(200);
      const res = await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send({ generalSetting: { disallowPasswordAuth: true } });
      assert.equal(res.status, 200);
      assert.equal(res.body.generalSetting.disallowUserRegistration, true, 'untouched by the second PATCH');
      assert.equal(res.body.generalSetting.weekStartDayOffset, 1);
      assert.equal(res.body.generalSetting.disallowPasswordAuth, true);
      const read = await gw.http.get('/api/v1/instance/settings/GENERAL');
      assert.deepEqual(read.body, res.body);
    });

    test("the docs' older shape PATCH /api/v1/instance/setting works the same way", async () => {
      const admin = await createAdmin(gw);
      const res = await gw.http
        .patch('/api/v1/instance/setting')
        .set(admin.auth)
        .send({ setting: { generalSetting: { disallowUserRegistration: true } }, updateMask: ['general_setting'] });
      assert.equal(res.status, 200);
      assert.equal(res.body.generalSetting.disallowUserRegistration, true);
      assert.equal(res.body.generalSetting.disallowPasswordAuth, false);
      const signup = await gw.http.post('/api/v1/users').send({ username: 'late', password: 'pw' });
      assert.equal(signup.status, 403);
    });

    test('a non-admin PATCH is 403 and an anonymous one 401; nothing changes', async () => {
      await createAdmin(gw);
      const user = await createSignedInUser(gw);
      const body = { generalSetting: { additionalScript: '<script>steal()</script>' } };
      assert.equal((await gw.http.patch('/api/v1/instance/settings/GENERAL').set(user.auth).send(body)).status, 403);
      assert.equal((await gw.http.patch('/api/v1/instance/settings/GENERAL').send(body)).status, 401);
      assert.equal((await gw.http.patch('/api/v1/instance/setting').set(user.auth).send({ setting: body })).status, 403);
      const read = await gw.http.get('/api/v1/instance/settings/GENERAL');
      assert.equal(read.body.generalSetting.additionalScript, '');
    });

    test('BASIC never reveals the secret and cannot be written', async () => {
      const admin = await createAdmin(gw);
      const read = await gw.http.get('/api/v1/instance/settings/BASIC');
      assert.deepEqual(read.body, { name: 'instance/settings/BASIC' });
      const before = await gw.deps.store.settings.find('BASIC');
      assert.match(before ?? '', /secretKey/);
      for (const body of [{ generalSetting: {} }, { basicSetting: { secretKey: 'attacker-chosen-secret-0123456789' } }, { secretKey: 'attacker-chosen-secret-0123456789' }]) {
        const write = await gw.http.patch('/api/v1/instance/settings/BASIC').set(admin.auth).send(body);
        assert.equal(write.status, 400, JSON.stringify(body));
      }
      assert.equal(await gw.deps.store.settings.find('BASIC'), before, 'the stored BASIC row is byte for byte unchanged');
    });

    test('wrong types and unknown keys are 400, nothing written', async () => {
      const admin = await createAdmin(gw);
      for (const body of [
        { generalSetting: { disallowUserRegistration: 'yes' } },
        { generalSetting: { weekStartDayOffset: 1.5 } },
        { generalSetting: 'nope' },
        {},
      ]) {
        const res = await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send(body);
        assert.equal(res.status, 400, JSON.stringify(body));
      }
      assert.equal((await gw.http.get('/api/v1/instance/settings/STORAGE')).status, 400);
      assert.equal((await gw.http.get('/api/v1/instance/settings/GENERAL')).body.generalSetting.disallowUserRegistration, false);
    });

    test('the instance profile says whether setup is needed', async () => {
      assert.equal((await gw.http.get('/api/v1/instance/profile')).body.needsSetup, true);
      await createAdmin(gw);
      assert.equal((await gw.http.get('/api/v1/instance/profile')).body.needsSetup, false);
    });
  });
}
