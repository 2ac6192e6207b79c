// The identity-provider repository (`idp`) on embedded SQLite and on the real MariaDB: create and find by uid
// and id, creation order, a taken uid is ALREADY_EXISTS, update changes only what it names, delete.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import type { NewIdentityProvider, OAuth2Config } from '../../src/sso/identity-provider.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createStorage, STORAGE_MODES, type Storage } from '../support/gateway.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function open(storage: Storage): Promise<Store> {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  return url.startsWith('sqlite:') ? openStore({ kind: 'sqlite', file: url.slice(7) }) : openStore({ kind: 'mysql', url, poolSize: 5 });
}

const config = (clientId: string): OAuth2Config => ({
  clientId,
  clientSecret: `secret-of-${clientId}`,
  authUrl: 'https://idp.example/authorize',
  tokenUrl: 'https://idp.example/token',
  userInfoUrl: 'https://idp.example/userinfo',
  scopes: ['openid', 'email'],
  fieldMapping: { identifier: 'sub', displayName: 'name', email: 'email', avatarUrl: '', username: 'preferred_username', groups: 'groups' },
  issuer: 'https://idp.example',
  redirectUris: ['https://app.example/callback'],
  tokenEndpointAuthMethod: 'client_secret_post',
  requireSecondFactor: false,
  endSessionAtProvider: false,
});

const newIdp = (uid: string, title = uid): NewIdentityProvider => ({
  uid, title, type: 'OAUTH2', identifierFilter: '', config: config(`client-${uid}`), createdAt: T0,
});

const isAlreadyExists = (e: unknown) => e instanceof AppError && e.code === 'ALREADY_EXISTS';

for (const mode of STORAGE_MODES) {
  describe(`identity provider repository contract [${mode}]`, () => {
    let storage: Storage;
    let store: Store;
    beforeEach(async () => {
      storage = await createStorage(mode);
      store = await open(storage);
    });
    afterEach(async () => {
      await store.close();
      await storage.destroy();
    });

    test('create returns the provider with its id; find by uid and by id read back every field', async () => {
      const created = await store.idps.create({ ...newIdp('github', 'GitHub'), identifierFilter: 'login.endsWith("@corp")' });
      assert.ok(created.id > 0);
      assert.equal(created.updatedAt.getTime(), T0.getTime());
      const byUid = await store.idps.findByUid('github');
      assert.deepEqual(byUid, created);
      assert.deepEqual(await store.idps.findById(created.id), created);
      assert.equal(byUid?.config.clientSecret, 'secret-of-client-github', 'the client secret is kept (Memos does)');
      assert.deepEqual(byUid?.config.scopes, ['openid', 'email']);
      assert.deepEqual(byUid?.config.redirectUris, ['https://app.example/callback']);
      assert.equal(await store.idps.findByUid('gitlab'), null);
      assert.equal(await store.idps.findById(created.id + 1000), null);
    });

    test('uids are exact: no case folding and no trailing-space match', async () => {
      await store.idps.create(newIdp('github'));
      assert.equal(await store.idps.findByUid('GitHub'), null);
      assert.equal(await store.idps.findByUid('github '), null);
      await store.idps.create(newIdp('GitHub'));
      assert.equal((await store.idps.list()).length, 2, 'uids differing in case are two providers');
    });

    test('list is in creation order', async () => {
      for (const uid of ['zeta', 'alpha', 'mid']) await store.idps.create(newIdp(uid));
      assert.deepEqual((await store.idps.list()).map((p) => p.uid), ['zeta', 'alpha', 'mid']);
    });

    test('a taken uid is ALREADY_EXISTS and leaves the first provider as it was', async () => {
      await store.idps.create(newIdp('github', 'First'));
      await assert.rejects(store.idps.create(newIdp('github', 'Second')), isAlreadyExists);
      const all = await store.idps.list();
      assert.deepEqual(all.map((p) => p.title), ['First']);
    });

    test('update changes only the fields it is given and stamps updatedAt; an unknown uid is null', async () => {
      const created = await store.idps.create({ ...newIdp('github', 'GitHub'), identifierFilter: 'email.endsWith("@corp.example")' });
      const retitled = await store.idps.update('github', { title: 'GitHub Enterprise' }, at(1000));
      assert.equal(retitled?.title, 'GitHub Enterprise');
      assert.deepEqual(retitled?.config, created.config);
      assert.equal(retitled?.identifierFilter, 'email.endsWith("@corp.example")');
      assert.equal(retitled?.createdAt.getTime(), T0.getTime());
      assert.equal(retitled?.updatedAt.getTime(), at(1000).getTime());

      const reconfigured = await store.idps.update('github', { config: config('other'), identifierFilter: 'true' }, at(2000));
      assert.equal(reconfigured?.config.clientId, 'other');
      assert.equal(reconfigured?.identifierFilter, 'true');
      assert.equal(reconfigured?.title, 'GitHub Enterprise');
      assert.deepEqual(await store.idps.findByUid('github'), reconfigured);

      assert.equal(await store.idps.update('nope', { title: 'x' }, at(3000)), null);
    });

    test('delete removes one provider and reports whether it existed', async () => {
      await store.idps.create(newIdp('github'));
      await store.idps.create(newIdp('gitlab'));
      assert.equal(await store.idps.delete('github'), true);
      assert.equal(await store.idps.delete('github'), false);
      assert.equal(await store.idps.findByUid('github'), null);
      assert.deepEqual((await store.idps.list()).map((p) => p.uid), ['gitlab']);
      await store.idps.create(newIdp('github'));
      assert.equal((await store.idps.list()).length, 2, 'a deleted uid can be used again');
    });
  });
}
