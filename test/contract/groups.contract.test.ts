// The group repository (`user_group`: a user's group names per source, '' = local, else a provider uid) on
// embedded SQLite and on the real MariaDB: replacing one source leaves the others, reports whether anything
// changed, effective groups are the sorted union, concurrent replaces of one source both succeed, and the deletes.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { LOCAL_SOURCE } from '../../src/groups/group-repository.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createStorage, STORAGE_MODES, type Storage } from '../support/gateway.js';

const T0 = new Date('2026-01-01T00:00:00Z');

async function open(storage: Storage): Promise<Store> {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  return url.startsWith('sqlite:') ? openStore({ kind: 'sqlite', file: url.slice(7) }) : openStore({ kind: 'mysql', url, poolSize: 5 });
}

for (const mode of STORAGE_MODES) {
  describe(`group repository contract [${mode}]`, () => {
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

    test('replace sets one source, leaves the others, and says whether anything changed', async () => {
      assert.equal(await store.groups.replace(alice, 'corp', ['eng', 'all'], T0), true);
      assert.equal(await store.groups.replace(alice, LOCAL_SOURCE, ['wiki-editors'], T0), true);
      assert.equal(await store.groups.replace(alice, 'gh', ['acme', 'acme/ops'], T0), true);
      assert.equal(await store.groups.replace(alice, 'corp', ['all', 'eng'], T0), false, 'the same names in another order are no change');
      assert.equal(await store.groups.replace(alice, 'corp', ['eng', 'Sales'], T0), true);
      assert.deepEqual(await store.groups.listForUser(alice), {
        local: ['wiki-editors'],
        upstream: [{ provider: 'corp', groups: ['Sales', 'eng'] }, { provider: 'gh', groups: ['acme', 'acme/ops'] }],
      });
      assert.deepEqual(await store.groups.listForUser(bob), { local: [], upstream: [] });
    });

    test('effective groups are the sorted union of every source, case-sensitive, without duplicates', async () => {
      await store.groups.replace(alice, 'corp', ['eng', 'ops'], T0);
      await store.groups.replace(alice, LOCAL_SOURCE, ['ops', 'Eng'], T0);
      assert.deepEqual(await store.groups.listEffective(alice), ['Eng', 'eng', 'ops']);
      assert.deepEqual(await store.groups.listEffective(bob), []);
    });

    test('the session lookups bring the effective groups in the same query', async () => {
      await store.groups.replace(alice, 'corp', ['eng'], T0);
      await store.groups.replace(alice, LOCAL_SOURCE, ['wiki'], T0);
      const expiresAt = new Date(T0.getTime() + 86_400_000);
      const clientInfo = { userAgent: '', ipAddress: '', deviceType: '', os: '', browser: '' };
      await store.sessions.create({ id: 's-alice', userId: alice, ssoTokenHash: 'a'.repeat(64), clientInfo, createdAt: T0, expiresAt });
      await store.sessions.create({ id: 's-bob', userId: bob, ssoTokenHash: 'b'.repeat(64), clientInfo, createdAt: T0, expiresAt });
      const queries: string[] = [];
      const stop = store.onQuery((q) => queries.push(q));
      const found = await store.sessions.findActiveWithUserBySsoTokenHash('a'.repeat(64), T0);
      stop();
      assert.equal(queries.length, 1);
      assert.equal(found?.user.username, 'alice');
      assert.deepEqual(found?.groups, ['eng', 'wiki']);
      assert.deepEqual((await store.sessions.findActiveWithUserBySsoTokenHash('b'.repeat(64), T0))?.groups, []);
      assert.deepEqual((await store.sessions.findByIdWithGroups('s-alice'))?.groups, ['eng', 'wiki']);
      assert.equal((await store.sessions.findByIdWithGroups('s-alice'))?.session.userId, alice);
      assert.equal(await store.sessions.findByIdWithGroups('nope'), null);
    });

    test('concurrent replaces of one source both succeed and leave one of the two lists', async () => {
      const results = await Promise.all([
        store.groups.replace(alice, 'corp', ['a', 'b'], T0),
        store.groups.replace(alice, 'corp', ['b', 'c'], T0),
      ]);
      assert.ok(results.includes(true));
      const { upstream } = await store.groups.listForUser(alice);
      assert.ok(['a,b', 'b,c', 'a,b,c'].includes(upstream[0]!.groups.join(',')), upstream[0]!.groups.join(','));
    });

    test('replace inside a transaction rolls back with it', async () => {
      await assert.rejects(store.transaction(async (tx) => {
        await tx.groups.replace(alice, 'corp', ['eng'], T0);
        throw new Error('abort');
      }));
      assert.deepEqual(await store.groups.listEffective(alice), []);
    });

    test('deleteForProvider removes one provider\'s groups of every user; deleteForUser every source of one user', async () => {
      await store.groups.replace(alice, 'corp', ['eng'], T0);
      await store.groups.replace(bob, 'corp', ['eng'], T0);
      await store.groups.replace(alice, 'gh', ['acme'], T0);
      await store.groups.replace(bob, LOCAL_SOURCE, ['wiki'], T0);
      assert.equal(await store.groups.deleteForProvider('corp'), 2);
      assert.deepEqual(await store.groups.listEffective(alice), ['acme']);
      assert.equal(await store.groups.deleteForUser(bob), 1);
      assert.deepEqual(await store.groups.listEffective(bob), []);
      assert.deepEqual(await store.groups.listEffective(alice), ['acme']);
    });
  });
}
