// The Regulator over the in-process store: the per-account ban spares a trusted device (which has its own
// allowance), the per-(account, address) and per-address counts apply to both, and unlockAccount (the admin API's
// and the CLI's `unlock`) lifts the account's bans everywhere but not per-address bans.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../../src/errors.js';
import { Regulator, type Limit } from '../../../src/auth/regulation.js';
import { MemoryEphemeralStore } from '../../../src/state/memory-store.js';
import { FakeClock } from '../../support/fake-clock.js';

const limit = (maxFailures: number): Limit => ({ maxFailures, windowSeconds: 600, banSeconds: 600 });
const regulator = () =>
  new Regulator(
    { perUser: limit(2), perIp: limit(100), perUserIp: limit(2), perUserDevice: limit(2), tokenGuessPerIp: limit(100) },
    new MemoryEphemeralStore(new FakeClock()),
  );

/** One attempt that fails (counted, then recorded); returns 429 when it was refused up front. */
async function fail(r: Regulator, account: string, ip: string, trustedDevice = false): Promise<number> {
  try {
    await r.beginSignInAttempt(account, ip, { trustedDevice });
  } catch (err) {
    if (err instanceof AppError && err.code === 'RESOURCE_EXHAUSTED') return 429;
    throw err;
  }
  await r.recordSignInFailure(account, ip, { trustedDevice });
  return 401;
}

const allowed = (r: Regulator, account: string, ip: string, trustedDevice = false) =>
  r.beginSignInAttempt(account, ip, { trustedDevice }).then(() => true, () => false);

test('a trusted device is spared the per-account ban and has its own bounded allowance', async () => {
  const r = regulator();
  assert.deepEqual([await fail(r, 'id:1', '192.0.2.1'), await fail(r, 'id:1', '192.0.2.2')], [401, 401]);
  assert.equal(await allowed(r, 'id:1', '192.0.2.3'), false, 'banned for clients without a device');
  assert.equal(await allowed(r, 'id:1', '192.0.2.4', true), true, 'a trusted device passes');
  await r.recordSignInFailure('id:1', '192.0.2.4', { trustedDevice: true });
  assert.equal(await fail(r, 'id:1', '192.0.2.5', true), 401);
  assert.equal(await allowed(r, 'id:1', '192.0.2.6', true), false, 'the device allowance is used up');
});

test('unlockAccount lifts the account ban, the device allowance and its (account, address) bans, not per-address bans', async () => {
  const r = regulator();
  await fail(r, 'id:7', '192.0.2.9');
  await fail(r, 'id:7', '192.0.2.9');
  await fail(r, 'id:7', '192.0.2.10', true);
  await fail(r, 'id:7', '192.0.2.11', true);
  await r.unlockAccount('id:7');
  assert.equal(await allowed(r, 'id:7', '192.0.2.12'), true);
  assert.equal(await allowed(r, 'id:7', '192.0.2.13', true), true);
  assert.equal(await allowed(r, 'id:7', '192.0.2.9'), true, 'from the address that mistyped too');
  for (let i = 0; i < 100; i++) await fail(r, `name:sprayed-${i}`, '192.0.2.20');
  await r.unlockAccount('id:7');
  assert.equal(await allowed(r, 'id:7', '192.0.2.20'), false, 'a per-address ban (a sprayer) stays');
});
