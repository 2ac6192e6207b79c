// The storage this issue added, on embedded SQLite and on the real MariaDB: the PAT repository, deleting all of
// a user's sessions and refresh tokens, and finding a session by the access token issued with it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { openStore, type Store } from '../../src/store/store.js';
import { createStorage, STORAGE_MODES, type Storage } from '../support/gateway.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const hash = (c: string) => c.repeat(64);
const client = { userAgent: 'ua', ipAddress: '192.0.2.1', deviceType: 'desktop', os: 'Linux', browser: 'Firefox 120' };

async function open(storage: Storage): Promise<Store> {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  return url.startsWith('sqlite:') ? openStore({ kind: 'sqlite', file: url.slice(7) }) : openStore({ kind: 'mysql', url, poolSize: 5 });
}

for (const mode of STORAGE_MODES) {
  describe(`personal access token and session storage contract [${mode}]`, () => {
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

    test('PATs: found by exact hash, listed oldest first per user, hashes unique', async () => {
      const [a1, a2, b1] = [randomUUID(), randomUUID(), randomUUID()];
      await store.personalAccessTokens.create({ id: a2, userId: alice, tokenHash: hash('b'), description: 'second', createdAt: at(10), expiresAt: null });
      await store.personalAccessTokens.create({ id: a1, userId: alice, tokenHash: hash('a'), description: 'first', createdAt: at(0), expiresAt: at(1000) });
      await store.personalAccessTokens.create({ id: b1, userId: bob, tokenHash: hash('c'), description: 'bob', createdAt: at(5), expiresAt: null });
      const found = await store.personalAccessTokens.findByHash(hash('a'));
      assert.deepEqual(found, { id: a1, userId: alice, description: 'first', createdAt: at(0), expiresAt: at(1000), lastUsedAt: null, tokenHash: hash('a') });
      assert.equal(await store.personalAccessTokens.findByHash(hash('A')), null, 'hash lookup is exact (case-sensitive)');
      assert.deepEqual((await store.personalAccessTokens.listByUser(alice)).map((t) => t.description), ['first', 'second']);
      assert.equal(await store.personalAccessTokens.countByUser(alice), 2);
      await assert.rejects(
        store.personalAccessTokens.create({ id: randomUUID(), userId: bob, tokenHash: hash('a'), description: 'dup', createdAt: T0, expiresAt: null }),
      );
    });

    test('PATs: delete needs the owner; deleteAllForUser spares other users; last used never moves back', async () => {
      const [a1, a2, b1] = [randomUUID(), randomUUID(), randomUUID()];
      for (const [id, userId, c] of [[a1, alice, 'a'], [a2, alice, 'b'], [b1, bob, 'c']] as const) {
        await store.personalAccessTokens.create({ id, userId, tokenHash: hash(c), description: '', createdAt: T0, expiresAt: null });
      }
      assert.equal(await store.personalAccessTokens.delete(bob, a1), false, "bob cannot delete alice's token");
      assert.equal(await store.personalAccessTokens.delete(alice, a1), true);
      assert.equal(await store.personalAccessTokens.findByHash(hash('a')), null);

      await store.personalAccessTokens.touchLastUsed(b1, at(5000));
      await store.personalAccessTokens.touchLastUsed(b1, at(1000));
      assert.equal((await store.personalAccessTokens.findByHash(hash('c')))?.lastUsedAt?.getTime(), at(5000).getTime());

      assert.deepEqual(await store.personalAccessTokens.deleteAllForUser(alice), [a2]);
      assert.deepEqual(await store.personalAccessTokens.deleteAllForUser(alice), []);
      assert.equal((await store.personalAccessTokens.listByUser(bob)).length, 1);
    });

    test('sessions and refresh tokens: deleteAllForUser removes only that user; access-token hash names the session', async () => {
      const [s1, s2, s3] = [randomUUID(), randomUUID(), randomUUID()];
      await store.sessions.create({ id: s1, userId: alice, ssoTokenHash: hash('1'), clientInfo: client, createdAt: T0, expiresAt: at(60_000) });
      await store.sessions.create({ id: s2, userId: alice, ssoTokenHash: hash('2'), clientInfo: client, createdAt: T0, expiresAt: at(60_000) });
      await store.sessions.create({ id: s3, userId: bob, ssoTokenHash: hash('3'), clientInfo: client, createdAt: T0, expiresAt: at(60_000) });
      await store.refreshTokens.create({ tid: randomUUID(), sessionId: s1, userId: alice, createdAt: T0, expiresAt: at(60_000), accessTokenHash: hash('x') });
      await store.refreshTokens.create({ tid: randomUUID(), sessionId: s2, userId: alice, createdAt: T0, expiresAt: at(60_000), accessTokenHash: hash('x') });
      await store.refreshTokens.create({ tid: randomUUID(), sessionId: s3, userId: bob, createdAt: T0, expiresAt: at(60_000), accessTokenHash: hash('y') });
      await store.refreshTokens.create({ tid: randomUUID(), sessionId: s3, userId: bob, createdAt: at(1), expiresAt: at(60_000), accessTokenHash: hash('z') });

      assert.deepEqual((await store.refreshTokens.listSessionIdsByAccessTokenHash(hash('x'))).sort(), [s1, s2].sort(), 'identical access tokens: both sessions');
      assert.deepEqual(await store.refreshTokens.listSessionIdsByAccessTokenHash(hash('z')), [s3]);
      assert.deepEqual(await store.refreshTokens.listSessionIdsByAccessTokenHash(hash('q')), []);

      assert.equal(await store.refreshTokens.deleteAllForUser(alice), 2);
      assert.deepEqual((await store.sessions.deleteAllForUser(alice)).sort(), [s1, s2].sort());
      assert.equal(await store.sessions.findById(s1), null);
      assert.ok(await store.sessions.findById(s3), "bob's session is untouched");
      assert.deepEqual(await store.refreshTokens.listSessionIdsByAccessTokenHash(hash('y')), [s3]);
    });
  });
}
