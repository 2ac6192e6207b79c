// The second-factor storage on embedded SQLite and on the real MariaDB: pending and active TOTP, time steps used
// once, recovery codes replaced as a set and used once each, even by concurrent callers.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { openStore, type Store } from '../../src/store/store.js';
import { createStorage, STORAGE_MODES, type Storage } from '../support/gateway.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const hash = (c: string) => c.repeat(64);

async function open(storage: Storage): Promise<Store> {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  return url.startsWith('sqlite:') ? openStore({ kind: 'sqlite', file: url.slice(7) }) : openStore({ kind: 'mysql', url, poolSize: 5 });
}

for (const mode of STORAGE_MODES) {
  describe(`second factor storage contract [${mode}]`, () => {
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

    test('TOTP: a pending secret is replaced by the next; once active it is not replaced; delete removes it', async () => {
      const f = store.secondFactors;
      assert.equal(await f.findTotp(alice), null);
      assert.equal(await f.putPendingTotp(alice, 'sealed-1', at(0)), true);
      assert.equal(await f.putPendingTotp(alice, 'sealed-2', at(10)), true, 'a second pending one replaces the first');
      assert.deepEqual(await f.findTotp(alice), { userId: alice, sealedSecret: 'sealed-2', state: 'PENDING', createdAt: at(10), confirmedAt: null, lastUsedStep: null });
      assert.equal(await f.useTotpStep(alice, 5), false, 'a pending secret accepts no code');
      assert.equal(await f.activateTotp(alice, 100, at(20)), true);
      assert.equal(await f.activateTotp(alice, 101, at(30)), false, 'activating twice is a no-op');
      assert.deepEqual(await f.findTotp(alice), { userId: alice, sealedSecret: 'sealed-2', state: 'ACTIVE', createdAt: at(20), confirmedAt: at(20), lastUsedStep: 100 });
      assert.equal(await f.putPendingTotp(alice, 'sealed-3', at(40)), false, 'an active TOTP is not replaced');
      assert.equal((await f.findTotp(alice))?.sealedSecret, 'sealed-2');
      assert.equal(await f.findTotp(bob), null);
      assert.equal(await f.deleteTotp(alice), true);
      assert.equal(await f.deleteTotp(alice), false);
      assert.equal(await f.findTotp(alice), null);
    });

    test('TOTP: each time step is accepted once and never an older one; of concurrent uses exactly one wins', async () => {
      const f = store.secondFactors;
      await f.putPendingTotp(alice, 's', T0);
      await f.activateTotp(alice, 100, T0);
      assert.equal(await f.useTotpStep(alice, 100), false, 'the confirming step is used');
      assert.equal(await f.useTotpStep(alice, 99), false, 'older');
      assert.equal(await f.useTotpStep(alice, 102), true);
      assert.equal(await f.useTotpStep(alice, 101), false, 'older than the newest used');
      const results = await Promise.all(Array.from({ length: 8 }, () => f.useTotpStep(alice, 103)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await f.findTotp(alice))?.lastUsedStep, 103);
    });

    test('recovery codes: used once each, counted, replaced as a set, per user; concurrent use wins once', async () => {
      const f = store.secondFactors;
      await f.replaceRecoveryCodes(alice, [hash('a'), hash('b'), hash('c')], T0);
      await f.replaceRecoveryCodes(bob, [hash('a')], T0);
      assert.equal(await f.countUnusedRecoveryCodes(alice), 3);
      assert.equal(await f.useRecoveryCode(alice, hash('a'), at(1)), true);
      assert.equal(await f.useRecoveryCode(alice, hash('a'), at(2)), false, 'second use');
      assert.equal(await f.useRecoveryCode(alice, hash('z'), at(2)), false, 'unknown');
      assert.equal(await f.countUnusedRecoveryCodes(alice), 2);
      assert.equal(await f.countUnusedRecoveryCodes(bob), 1, "bob's code of the same hash is his own");
      const raced = await Promise.all(Array.from({ length: 6 }, () => f.useRecoveryCode(alice, hash('b'), at(3))));
      assert.equal(raced.filter(Boolean).length, 1);
      await f.replaceRecoveryCodes(alice, [hash('d'), hash('e')], at(4));
      assert.equal(await f.useRecoveryCode(alice, hash('c'), at(5)), false, 'the old set is gone');
      assert.equal(await f.countUnusedRecoveryCodes(alice), 2);
      await f.deleteRecoveryCodes(alice);
      assert.equal(await f.countUnusedRecoveryCodes(alice), 0);
      assert.equal(await f.countUnusedRecoveryCodes(bob), 1);
    });
  });
}
