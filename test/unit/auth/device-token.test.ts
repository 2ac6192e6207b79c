// The device token: valid only for the account it names, only as a device token (never a refresh token or an
// access token passed off as one), only signed by the gateway's keys, and only for a year.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEVICE_TOKEN_TTL_SECONDS, isTrustedDevice, issueDeviceToken } from '../../../src/auth/device-token.js';
import { importHmacKey, KeyRing } from '../../../src/auth/keys.js';
import { issueRefreshToken } from '../../../src/auth/refresh-token.js';

const NOW = new Date('2026-03-01T10:00:00Z');
const ring = async (secret: string) => new KeyRing([{ kid: 'v1', key: await importHmacKey(secret), createdAt: NOW, retiresAt: null }]);

test('a device token is trusted for its own account only, for a year', async () => {
  const keys = await ring('3b8f5a56-4f61-4a4c-9d0e-6c1f5c2a9b77');
  const { token, expiresAt } = await issueDeviceToken(keys, 42, NOW);
  assert.equal(expiresAt.getTime() - NOW.getTime(), DEVICE_TOKEN_TTL_SECONDS * 1000);
  assert.equal(await isTrustedDevice(keys, token, 42, NOW), true);
  assert.equal(await isTrustedDevice(keys, token, 43, NOW), false, 'another account');
  assert.equal(await isTrustedDevice(keys, token, 42, new Date(expiresAt.getTime() + 1000)), false, 'expired');
  assert.equal(await isTrustedDevice(keys, null, 42, NOW), false);
  assert.equal(await isTrustedDevice(keys, 'not.a.token', 42, NOW), false);
});

test('a refresh token, or a device token of another instance, is no device token', async () => {
  const keys = await ring('3b8f5a56-4f61-4a4c-9d0e-6c1f5c2a9b77');
  const refresh = await issueRefreshToken(keys, 42, '6f1c2a9b-4f61-4a4c-9d0e-3b8f5a564f61', NOW);
  assert.equal(await isTrustedDevice(keys, refresh.token, 42, NOW), false);
  const elsewhere = await issueDeviceToken(await ring('another instance secret 0123456789'), 42, NOW);
  assert.equal(await isTrustedDevice(keys, elsewhere.token, 42, NOW), false);
});
