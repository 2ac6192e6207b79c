// The user-identity repository (`user_identity`, links between users and provider accounts) on embedded SQLite
// and on the real MariaDB: exact lookups, both unique keys as ALREADY_EXISTS, and the three kinds of delete.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createStorage, STORAGE_MODES, type Storage } from '../support/gateway.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function open(storage: Storage): Promise<Store> {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  return url.startsWith('sqlite:') ? openStore({ kind: 'sqlite', file: url.slice(7) }) : openStore({ kind: 'mysql', url, poolSize: 5 });
}

const isAlreadyExists = (e: unknown) => e instanceof AppError && e.code === 'ALREADY_EXISTS';

for (const mode of STORAGE_MODES) {
  describe(`user identity repository contract [${mode}]`, () => {
    let storage: Storage;
    let store: Store;
    let alice: number;
    let bob: number;
    beforeEach(async () => {
      storage = await createStorage(mode);
      store = await open(storage);
      const base = { role: 'USER' as const, email: '', displayName: '', avatarUrl: '', description: '', passwordHash: 'x', createdAt: T0 };
      alice = (await store.users.create({ ...base, username: 'alice' })).id;
      bob = (await store.users.create({ ...base, username: 'bob' })).id;
    });
    afterEach(async () => {
      await store.close();
      await storage.destroy();
    });

    const link = (userId: number, provider: string, externUid: string, ms = 0) =>
      store.identities.create({ userId, provider, externUid, createdAt: at(ms) });

    test('create returns the link with its id; find reads it back by provider and identifier', async () => {
      const created = await link(alice, 'github', '12345', 10);
      assert.ok(created.id > 0);
      assert.deepEqual(await store.identities.find('github', '12345'), created);
      assert.equal((await store.identities.find('github', '12345'))?.createdAt.getTime(), at(10).getTime());
      assert.equal(await store.identities.find('gitlab', '12345'), null, 'another provider');
      assert.equal(await store.identities.find('github', '1234'), null, 'another identifier');
    });

    test('identifiers are exact: case and trailing spaces name other accounts', async () => {
      await link(alice, 'oidc', 'Alice@Example.com');
      assert.equal(await store.identities.find('oidc', 'alice@example.com'), null);
      assert.equal(await store.identities.find('oidc', 'Alice@Example.com '), null);
      assert.equal((await store.identities.find('oidc', 'Alice@Example.com'))?.userId, alice);
    });

    test('one provider account links one user: a second link of it is ALREADY_EXISTS', async () => {
      await link(alice, 'github', '12345');
      await assert.rejects(link(bob, 'github', '12345'), isAlreadyExists);
      assert.equal((await store.identities.find('github', '12345'))?.userId, alice);
      assert.deepEqual(await store.identities.listForUser(bob), []);
    });

    test('a user has at most one account per provider, and may have one at each provider', async () => {
      await link(alice, 'github', '1');
      await assert.rejects(link(alice, 'github', '2'), isAlreadyExists);
      await link(alice, 'gitlab', '1');
      await link(alice, 'oidc', 'a', 5);
      assert.deepEqual((await store.identities.listForUser(alice)).map((i) => `${i.provider}:${i.externUid}`), ['github:1', 'gitlab:1', 'oidc:a']);
    });

    test('deleteIfUser removes a link only while it names that user', async () => {
      await link(alice, 'github', '12345');
      assert.equal(await store.identities.deleteIfUser('github', '12345', bob), false);
      assert.ok(await store.identities.find('github', '12345'));
      assert.equal(await store.identities.deleteIfUser('github', '12345', alice), true);
      assert.equal(await store.identities.find('github', '12345'), null);
      await link(bob, 'github', '12345');
      assert.equal((await store.identities.find('github', '12345'))?.userId, bob, 'the account can be linked again');
    });

    test("deleteForUser removes every link of one user; deleteForProvider every link of one provider", async () => {
      await link(alice, 'github', 'a');
      await link(alice, 'gitlab', 'a');
      await link(bob, 'github', 'b');
      await link(bob, 'gitlab', 'b');
      assert.equal(await store.identities.deleteForUser(alice), 2);
      assert.deepEqual(await store.identities.listForUser(alice), []);
      assert.equal((await store.identities.listForUser(bob)).length, 2);
      assert.equal(await store.identities.deleteForProvider('github'), 1);
      assert.deepEqual((await store.identities.listForUser(bob)).map((i) => i.provider), ['gitlab']);
      assert.equal(await store.identities.deleteForProvider('github'), 0);
      assert.equal(await store.identities.deleteForUser(alice), 0);
    });
  });
}
