// One contract for the durable store's repositories, run on embedded SQLite and on the real MariaDB.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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

const newUser = (username: string) => ({
  username, role: 'USER' as const, email: `${username}@example.com`, displayName: username, avatarUrl: '', description: '',
  passwordHash: '$2b$10$abcdefghijklmnopqrstuv', createdAt: T0,
});

const client = { userAgent: 'ua', ipAddress: '192.0.2.1', deviceType: 'desktop', os: 'Linux', browser: 'Firefox 120' };

for (const mode of STORAGE_MODES) {
  describe(`store contract [${mode}]`, () => {
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

    test('users: create, find by id and name, count, list in id order', async () => {
      const a = await store.users.create(newUser('alice'));
      const b = await store.users.create(newUser('bob'));
      assert.ok(b.id > a.id);
      assert.equal((await store.users.findById(a.id))?.username, 'alice');
      assert.equal((await store.users.findByUsername('bob'))?.id, b.id);
      assert.equal(await store.users.findByUsername('carol'), null);
      assert.equal(await store.users.count(), 2);
      assert.deepEqual((await store.users.list({ afterId: 0, limit: 10 })).map((u) => u.username), ['alice', 'bob']);
      assert.deepEqual((await store.users.list({ afterId: a.id, limit: 10 })).map((u) => u.username), ['bob']);
    });

    test('users: usernames are unique regardless of letter case; a duplicate is AlreadyExists', async () => {
      const a = await store.users.create(newUser('alice'));
      const taken = (e: unknown) => e instanceof AppError && e.code === 'ALREADY_EXISTS' && e.reason === 'USERNAME_TAKEN';
      await assert.rejects(store.users.create(newUser('Alice')), taken);
      await assert.rejects(store.users.create(newUser('alice')), taken);
      const b = await store.users.create(newUser('bob'));
      await assert.rejects(store.users.update(b.id, { username: 'ALICE' }, at(1000)), taken);
      assert.equal((await store.users.update(a.id, { username: 'Alice' }, at(1000)))?.username, 'Alice', 'its own name in another case');
      assert.equal(await store.users.count(), 2);
    });

    test('users: a verified email belongs to one account; unverified copies are free', async () => {
      const a = await store.users.create({ ...newUser('alice'), email: 'Boss@Example.test', emailVerified: true });
      assert.equal(a.emailVerified, true);
      assert.equal((await store.users.findById(a.id))?.emailVerified, true);
      const b = await store.users.create({ ...newUser('bob'), email: 'boss@example.test' });
      assert.equal(b.emailVerified, false);
      const taken = (e: unknown) => e instanceof AppError && e.code === 'ALREADY_EXISTS' && e.reason === 'EMAIL_TAKEN';
      await assert.rejects(store.users.update(b.id, { emailVerified: true }, at(1000)), taken);
      await assert.rejects(store.users.create({ ...newUser('carol'), email: 'BOSS@example.test', emailVerified: true }), taken);
      await store.users.update(a.id, { emailVerified: false }, at(2000));
      assert.equal((await store.users.update(b.id, { emailVerified: true }, at(3000)))?.emailVerified, true, 'free once unverified elsewhere');
    });

    test('users: the username lock is stored and changed', async () => {
      const a = await store.users.create({ ...newUser('alice'), usernameLocked: true });
      assert.equal((await store.users.findById(a.id))?.usernameLocked, true);
      assert.equal((await store.users.update(a.id, { usernameLocked: false }, at(1000)))?.usernameLocked, false);
      assert.equal((await store.users.create(newUser('bob'))).usernameLocked, false, 'unlocked unless said');
    });

    test('users: update changes only what it is given; delete removes', async () => {
      const a = await store.users.create(newUser('alice'));
      const updated = await store.users.update(a.id, { displayName: 'Alice A.', state: 'ARCHIVED' }, at(1000));
      assert.equal(updated?.displayName, 'Alice A.');
      assert.equal(updated?.state, 'ARCHIVED');
      assert.equal(updated?.email, 'alice@example.com');
      assert.equal(updated?.updatedAt.getTime(), at(1000).getTime());
      assert.equal(await store.users.update(9999, { displayName: 'x' }, T0), null);
      assert.equal(await store.users.delete(a.id), true);
      assert.equal(await store.users.findById(a.id), null);
    });

    test('users: lockActiveAdminIds lists the active admins and holds them to the transaction: a second locker waits and sees the change', async () => {
      const a = await store.users.create({ ...newUser('alice'), role: 'ADMIN' });
      const b = await store.users.create({ ...newUser('bob'), role: 'ADMIN' });
      await store.users.create(newUser('carol'));
      const dave = await store.users.create({ ...newUser('dave'), role: 'ADMIN' });
      await store.users.update(dave.id, { state: 'ARCHIVED' }, at(1));
      assert.deepEqual(await store.transaction((tx) => tx.users.lockActiveAdminIds()), [a.id, b.id]);
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let signalLocked!: () => void;
      const locked = new Promise<void>((resolve) => (signalLocked = resolve));
      const first = store.transaction(async (tx) => {
        await tx.users.lockActiveAdminIds();
        signalLocked();
        await held;
        await tx.users.update(b.id, { role: 'USER' }, at(2));
        order.push('first writes');
      });
      await locked;
      const second = store.transaction(async (tx) => {
        const ids = await tx.users.lockActiveAdminIds();
        order.push('second reads');
        return ids;
      });
      await new Promise((resolve) => setTimeout(resolve, 200)); // room for the second to pass the lock, were there none
      release();
      await first;
      assert.deepEqual(await second, [a.id], 'the second reads the set as the first committed it');
      assert.deepEqual(order, ['first writes', 'second reads']);
    });

    test('sessions: found by sso token hash only while live; revoke is conditional', async () => {
      const u = await store.users.create(newUser('alice'));
      const id = randomUUID();
      await store.sessions.create({ id, userId: u.id, ssoTokenHash: 'h'.repeat(64), clientInfo: client, createdAt: T0, expiresAt: at(60_000) });
      assert.equal((await store.sessions.findActiveBySsoTokenHash('h'.repeat(64), at(1)))?.id, id);
      assert.deepEqual((await store.sessions.findById(id))?.clientInfo, client);
      assert.equal(await store.sessions.findActiveBySsoTokenHash('h'.repeat(64), at(60_000)), null, 'expired');
      assert.equal(await store.sessions.revoke(id, at(2)), true);
      assert.equal(await store.sessions.revoke(id, at(3)), false, 'second revoke changes nothing');
      assert.equal(await store.sessions.findActiveBySsoTokenHash('h'.repeat(64), at(4)), null);
    });

    test('sessions: the live session and its user come back together, in one query', async () => {
      const u = await store.users.create(newUser('alice'));
      await store.users.create(newUser('bob'));
      const id = randomUUID();
      await store.sessions.create({ id, userId: u.id, ssoTokenHash: 'j'.repeat(64), clientInfo: client, createdAt: T0, expiresAt: at(60_000) });
      const queries: string[] = [];
      const stop = store.onQuery((q) => queries.push(q));
      const found = await store.sessions.findActiveWithUserBySsoTokenHash('j'.repeat(64), at(1));
      stop();
      assert.equal(queries.length, 1);
      assert.deepEqual(found?.session, await store.sessions.findById(id));
      assert.deepEqual(found?.user, await store.users.findById(u.id));
      assert.equal(await store.sessions.findActiveWithUserBySsoTokenHash('j'.repeat(64), at(60_000)), null, 'expired');
      assert.equal(await store.sessions.findActiveWithUserBySsoTokenHash('k'.repeat(64), at(1)), null, 'unknown');
      await store.sessions.revoke(id, at(2));
      assert.equal(await store.sessions.findActiveWithUserBySsoTokenHash('j'.repeat(64), at(3)), null, 'revoked');
    });

    test('sessions: revokeAllForUser spares the one named and other users', async () => {
      const u = await store.users.create(newUser('alice'));
      const v = await store.users.create(newUser('bob'));
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      for (const [i, id] of ids.entries()) {
        await store.sessions.create({ id, userId: u.id, ssoTokenHash: `${i}`.repeat(64), clientInfo: client, createdAt: at(i), expiresAt: at(60_000) });
      }
      await store.sessions.create({ id: randomUUID(), userId: v.id, ssoTokenHash: 'b'.repeat(64), clientInfo: client, createdAt: T0, expiresAt: at(60_000) });
      const revoked = await store.sessions.revokeAllForUser(u.id, at(10), ids[0]);
      assert.deepEqual(revoked.sort(), [ids[1], ids[2]].sort());
      assert.deepEqual((await store.sessions.listActiveByUser(u.id, at(11))).map((s) => s.id), [ids[0]]);
      assert.equal((await store.sessions.listActiveByUser(v.id, at(11))).length, 1);
    });

    test('refresh tokens: of many concurrent rotations of one token exactly one wins', async () => {
      const u = await store.users.create(newUser('alice'));
      const sessionId = randomUUID();
      await store.sessions.create({ id: sessionId, userId: u.id, ssoTokenHash: 'x'.repeat(64), clientInfo: client, createdAt: T0, expiresAt: at(60_000) });
      const tid = randomUUID();
      await store.refreshTokens.create({ tid, sessionId, userId: u.id, createdAt: T0, expiresAt: at(60_000) });
      const results = await Promise.all(Array.from({ length: 10 }, () => store.refreshTokens.markRotated(tid, randomUUID(), at(5))));
      assert.equal(results.filter(Boolean).length, 1);
      const record = await store.refreshTokens.findByTid(tid);
      assert.equal(record?.rotatedAt?.getTime(), at(5).getTime());
      assert.ok(record?.replacedBy);
    });

    test('refresh tokens: an expired or revoked token cannot be rotated; revokeBySession revokes the family', async () => {
      const u = await store.users.create(newUser('alice'));
      const sessionId = randomUUID();
      const [t1, t2] = [randomUUID(), randomUUID()];
      await store.refreshTokens.create({ tid: t1, sessionId, userId: u.id, createdAt: T0, expiresAt: at(1000) });
      await store.refreshTokens.create({ tid: t2, sessionId, userId: u.id, createdAt: T0, expiresAt: at(60_000) });
      assert.equal(await store.refreshTokens.markRotated(t1, randomUUID(), at(1000)), false, 'expired');
      assert.equal(await store.refreshTokens.revokeBySession(sessionId, at(2000)), 2);
      assert.equal(await store.refreshTokens.markRotated(t2, randomUUID(), at(2001)), false, 'revoked');
    });

    test('settings: insertIfAbsent is first-writer-wins under concurrency; upsert overwrites', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.settings.insertIfAbsent('CLAIM', `v${i}`)));
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal(await store.settings.find('CLAIM'), `v${winner}`);
      await store.settings.upsert('CLAIM', 'new');
      await store.settings.upsert('OTHER', 'x');
      assert.equal(await store.settings.find('CLAIM'), 'new');
      assert.equal(await store.settings.find('OTHER'), 'x');
      assert.equal(await store.settings.find('MISSING'), null);
    });

    test('transaction: a failure inside rolls every write back', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.users.create(newUser('alice'));
          await tx.settings.upsert('K', 'v');
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.users.count(), 0);
      assert.equal(await store.settings.find('K'), null);
    });

    test('migrations run once: opening the same database again is a no-op', async () => {
      await store.users.create(newUser('alice'));
      const again = await open(storage);
      try {
        assert.equal(await again.users.count(), 1);
      } finally {
        await again.close();
      }
    });
  });
}
