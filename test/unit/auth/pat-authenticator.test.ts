// The PAT authenticator on a real (in-memory SQLite) store: the format is checked before any lookup; expired
// tokens and archived owners fail; "last used" is written at most once a minute per token (FakeClock).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { StorePatAuthenticator } from '../../../src/auth/pat-authenticator.js';
import { generatePatSecret, isPatFormat } from '../../../src/auth/personal-access-token.js';
import { sha256Hex } from '../../../src/auth/secrets.js';
import { createLogger } from '../../../src/logger.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { FakeClock } from '../../support/fake-clock.js';

const T0 = new Date('2026-03-01T10:00:00Z');

describe('StorePatAuthenticator', () => {
  let store: Store;
  let clock: FakeClock;
  let calls: { findByHash: number; touchLastUsed: number };
  let auth: StorePatAuthenticator;
  let userId: number;

  async function addToken(expiresAt: Date | null = null): Promise<{ token: string; id: string }> {
    const token = generatePatSecret();
    const id = randomUUID();
    await store.personalAccessTokens.create({ id, userId, tokenHash: sha256Hex(token), description: 't', createdAt: clock.now(), expiresAt });
    return { token, id };
  }

  beforeEach(async () => {
    store = await openStore({ kind: 'sqlite', file: ':memory:' });
    clock = new FakeClock(T0);
    const user = await store.users.create({
      username: 'alice', role: 'USER', email: '', displayName: '', avatarUrl: '', description: '', passwordHash: 'x', createdAt: T0,
    });
    userId = user.id;
    calls = { findByHash: 0, touchLastUsed: 0 };
    const repo = store.personalAccessTokens;
    const counted = Object.create(repo) as typeof repo;
    counted.findByHash = (hash) => {
      calls.findByHash += 1;
      return repo.findByHash(hash);
    };
    counted.touchLastUsed = (id, at) => {
      calls.touchLastUsed += 1;
      return repo.touchLastUsed(id, at);
    };
    auth = new StorePatAuthenticator({ users: store.users, personalAccessTokens: counted }, clock, createLogger('silent'));
  });
  afterEach(async () => {
    await auth.settle();
    await store.close();
  });

  test('malformed tokens return null before any lookup', async () => {
    const { token } = await addToken();
    for (const bad of [token.slice(0, -1), `${token}x`, token.toUpperCase(), `MEMOS_PAT_${token.slice(10)}`, `memos_pat_${'a'.repeat(8192)}`, `memos_pat_é${token.slice(11)}`, '']) {
      assert.equal(await auth.authenticate(bad), null, bad.slice(0, 20));
    }
    assert.equal(calls.findByHash, 0);
    assert.equal((await auth.authenticate(token))?.user.username, 'alice');
    assert.equal(calls.findByHash, 1);
  });

  test('an expired token fails from its expiry on; an archived or deleted owner fails at once', async () => {
    const expiring = await addToken(new Date(T0.getTime() + 1000));
    assert.ok(await auth.authenticate(expiring.token));
    clock.advance(1000);
    assert.equal(await auth.authenticate(expiring.token), null);
    const { token } = await addToken();
    await store.users.update(userId, { state: 'ARCHIVED' }, clock.now());
    assert.equal(await auth.authenticate(token), null);
    await store.users.update(userId, { state: 'NORMAL' }, clock.now());
    assert.ok(await auth.authenticate(token));
    await store.users.delete(userId);
    assert.equal(await auth.authenticate(token), null);
  });

  test('last used is written at most once a minute per token, and each token has its own minute', async () => {
    const a = await addToken();
    const b = await addToken();
    await auth.authenticate(a.token);
    await auth.authenticate(a.token);
    clock.advance(59_999);
    await auth.authenticate(a.token);
    await auth.settle();
    assert.equal(calls.touchLastUsed, 1, 'one write within the minute');
    const afterFirst = (await store.personalAccessTokens.listByUser(userId)).find((t) => t.id === a.id);
    assert.equal(afterFirst?.lastUsedAt?.getTime(), T0.getTime());

    await auth.authenticate(b.token);
    await auth.settle();
    assert.equal(calls.touchLastUsed, 2, 'another token writes on its own');

    clock.advance(1);
    await auth.authenticate(a.token);
    await auth.settle();
    assert.equal(calls.touchLastUsed, 3, 'a minute later the next use writes again');
    const latest = (await store.personalAccessTokens.listByUser(userId)).find((t) => t.id === a.id);
    assert.equal(latest?.lastUsedAt?.getTime(), T0.getTime() + 60_000);
  });

  test('authenticate does not wait for the last-used write', async () => {
    const { token } = await addToken();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const repo = store.personalAccessTokens;
    const slow = Object.create(repo) as typeof repo;
    slow.touchLastUsed = async (id, at) => {
      await gate;
      return repo.touchLastUsed(id, at);
    };
    const blocked = new StorePatAuthenticator({ users: store.users, personalAccessTokens: slow }, clock, createLogger('silent'));
    const result = await blocked.authenticate(token);
    assert.equal(result?.user.id, userId, 'answered while the write is still blocked');
    assert.equal((await repo.listByUser(userId))[0]?.lastUsedAt, null);
    release();
    await blocked.settle();
    assert.equal((await repo.listByUser(userId))[0]?.lastUsedAt?.getTime(), T0.getTime());
  });
});

describe('PAT format', () => {
  test('generated tokens are memos_pat_ + 32 characters of [0-9A-Za-z], all different, using the whole alphabet', () => {
    const seen = new Set<string>();
    const chars = new Set<string>();
    for (let i = 0; i < 2000; i += 1) {
      const token = generatePatSecret();
      assert.match(token, /^memos_pat_[0-9A-Za-z]{32}$/);
      assert.ok(isPatFormat(token));
      seen.add(token);
      for (const c of token.slice(10)) chars.add(c);
    }
    assert.equal(seen.size, 2000);
    assert.equal(chars.size, 62, 'every character of the alphabet occurs');
  });

  test('the format check is exact', () => {
    const ok = `memos_pat_${'a1B2'.repeat(8)}`;
    assert.ok(isPatFormat(ok));
    for (const bad of [ok.slice(0, -1), `${ok}a`, ok.replace('memos', 'MEMOS'), ` ${ok}`, `${ok}\n`, ok.replace('a', '_')]) {
      assert.equal(isPatFormat(bad), false, JSON.stringify(bad));
    }
  });
});
