// The passkey storage on embedded SQLite and on the real MariaDB: several credentials per user, a credential id
// registered once across all users, the signature counter moved by one conditional update (concurrent uses of
// one counter value: exactly one wins), removal only by the owner.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { openStore, type Store } from '../../src/store/store.js';
import { createStorage, STORAGE_MODES, type Storage } from '../support/gateway.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function open(storage: Storage): Promise<Store> {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  return url.startsWith('sqlite:') ? openStore({ kind: 'sqlite', file: url.slice(7) }) : openStore({ kind: 'mysql', url, poolSize: 5 });
}

const key = (userId: number, credentialId: string, name = 'laptop') => ({
  userId, credentialId, publicKey: `pk-${credentialId}`, counter: 0, transports: ['internal', 'hybrid'], name, createdAt: T0,
});

for (const mode of STORAGE_MODES) {
  describe(`passkey storage contract [${mode}]`, () => {
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

    test('several per user, listed in order; a credential id is registered once across users; long ids round-trip', async () => {
      const p = store.passkeys;
      const longId = 'A'.repeat(1364); // 1023 bytes, base64url: the longest id WebAuthn allows
      const first = await p.create(key(alice, 'cred-1', 'laptop'));
      assert.deepEqual(first, { id: first!.id, ...key(alice, 'cred-1', 'laptop'), lastUsedAt: null });
      assert.ok(await p.create(key(alice, longId, 'phone')));
      assert.equal(await p.create(key(bob, 'cred-1')), null, 'the same credential id for another user');
      assert.deepEqual((await p.listByUser(alice)).map((k) => k.name), ['laptop', 'phone']);
      assert.equal((await p.findByCredentialId(longId))?.name, 'phone');
      assert.equal(await p.findByCredentialId('cred-unknown'), null);
      assert.deepEqual(await p.listByUser(bob), []);
    });

    test('the counter moves once per value: of concurrent uses with the same expected counter exactly one wins', async () => {
      const p = store.passkeys;
      const k = (await p.create(key(alice, 'cred-c')))!;
      assert.equal(await p.recordUse(k.id, 0, 1, at(1)), true);
      assert.equal(await p.recordUse(k.id, 0, 2, at(2)), false, 'a stale expected counter');
      const raced = await Promise.all(Array.from({ length: 6 }, () => p.recordUse(k.id, 1, 2, at(3))));
      assert.equal(raced.filter(Boolean).length, 1);
      const after = await p.findByCredentialId('cred-c');
      assert.equal(after?.counter, 2);
      assert.deepEqual(after?.lastUsedAt, at(3));
    });

    test('removal only by the owner; removing all of a user leaves the others', async () => {
      const p = store.passkeys;
      const a1 = (await p.create(key(alice, 'a1')))!;
      await p.create(key(alice, 'a2'));
      await p.create(key(bob, 'b1'));
      assert.equal(await p.delete(bob, a1.id), false, "bob cannot remove alice's passkey");
      assert.equal(await p.delete(alice, a1.id), true);
      assert.equal(await p.delete(alice, a1.id), false);
      await p.deleteAllForUser(alice);
      assert.deepEqual(await p.listByUser(alice), []);
      assert.equal((await p.listByUser(bob)).length, 1);
    });
  });
}
