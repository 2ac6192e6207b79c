import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { issueAccessToken, verifyAccessToken } from '../../../src/auth/access-token.js';
import { InvalidTokenError } from '../../../src/auth/jwt.js';
import { importHmacKey, KeyRing } from '../../../src/auth/keys.js';
import { issueRefreshToken, verifyRefreshToken } from '../../../src/auth/refresh-token.js';
import type { User } from '../../../src/users/user.js';

const SECRET = '3b8f5a56-4f61-4a4c-9d0e-6c1f5c2a9b77';
const NOW = new Date('2026-03-01T10:00:00Z');
const SID = '6f1c2a9b-4f61-4a4c-9d0e-3b8f5a564f61';
const user: User = {
  id: 123, username: 'demo', role: 'USER', state: 'NORMAL', email: '', displayName: '', avatarUrl: '',
  description: '', passwordHash: '', usernameLocked: false, emailVerified: false, createdAt: NOW, updatedAt: NOW,
};

async function ring(secret = SECRET, kid = 'v1') {
  return new KeyRing([{ kid, key: await importHmacKey(secret), createdAt: NOW, retiresAt: null }]);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

/** Hand-made HS256 token with arbitrary header and claims, signed with `secret`. */
function forge(header: object, claims: object, secret = SECRET, alg = 'sha256'): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac(alg, secret).update(input).digest('base64url')}`;
}

const validClaims = () => ({
  type: 'access', iss: 'memos', aud: ['user.access-token'], sub: '123',
  iat: NOW.getTime() / 1000, exp: NOW.getTime() / 1000 + 900, username: 'demo', role: 'USER', status: 'ACTIVE', sid: SID,
});

async function rejects(token: string, keys?: KeyRing) {
  await assert.rejects(verifyAccessToken(keys ?? (await ring()), token, NOW), InvalidTokenError);
}

describe('access token', () => {
  test('has exactly the Memos header and claims plus the session id (sid) and username_locked, expiring after 15 minutes', async () => {
    const { token, expiresAt } = await issueAccessToken(await ring(), user, SID, NOW);
    const [header, payload] = token.split('.');
    assert.deepEqual(decode(header!), { alg: 'HS256', kid: 'v1', typ: 'JWT' });
    assert.deepEqual(decode(payload!), { ...validClaims(), username_locked: false });
    assert.equal(expiresAt.toISOString(), '2026-03-01T10:15:00.000Z');
  });

  test('verifies its own token and returns the user id', async () => {
    const keys = await ring();
    const { token } = await issueAccessToken(keys, user, SID, NOW);
    const claims = await verifyAccessToken(keys, token, NOW);
    assert.equal(claims.userId, 123);
    assert.equal(claims.username, 'demo');
    assert.equal(claims.sessionId, SID);
    assert.equal(claims.usernameLocked, false);
    const locked = await issueAccessToken(keys, { ...user, usernameLocked: true }, SID, NOW);
    assert.equal((await verifyAccessToken(keys, locked.token, NOW)).usernameLocked, true);
  });

  test('a hand-made token with the right secret and claims is accepted (the check is not tied to our encoder)', async () => {
    const claims = await verifyAccessToken(await ring(), forge({ alg: 'HS256', kid: 'v1', typ: 'JWT' }, validClaims()), NOW);
    assert.equal(claims.userId, 123);
  });

  test('is refused once expired, with zero leeway', async () => {
    const keys = await ring();
    const { token } = await issueAccessToken(keys, user, SID, NOW);
    await assert.rejects(verifyAccessToken(keys, token, new Date(NOW.getTime() + 900_000)), InvalidTokenError);
  });

  test('is refused when a claim was edited and the signature kept', async () => {
    const { token } = await issueAccessToken(await ring(), user, SID, NOW);
    const [h, , s] = token.split('.');
    await rejects(`${h}.${b64({ ...validClaims(), role: 'ADMIN' })}.${s}`);
  });

  test('is refused with alg none in any spelling, with or without a signature', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${b64({ alg, kid: 'v1', typ: 'JWT' })}.${b64(validClaims())}`;
      await rejects(`${unsigned}.`);
      await rejects(unsigned);
    }
  });

  test('is refused when signed with HS384/HS512 and the real secret', async () => {
    await rejects(forge({ alg: 'HS384', kid: 'v1', typ: 'JWT' }, validClaims(), SECRET, 'sha384'));
    await rejects(forge({ alg: 'HS512', kid: 'v1', typ: 'JWT' }, validClaims(), SECRET, 'sha512'));
  });

  test('is refused when signed with another secret (including the demo secret)', async () => {
    await rejects(forge({ alg: 'HS256', kid: 'v1', typ: 'JWT' }, validClaims(), 'usememos'));
  });

  test('is refused with a missing, unknown or hostile kid', async () => {
    for (const kid of [undefined, 'v2', '../../dev/null', "' OR 1=1 --", 'x'.repeat(10_000), 1, { a: 1 }]) {
      await rejects(forge({ alg: 'HS256', kid, typ: 'JWT' }, validClaims()));
    }
  });

  test('is refused with a wrong issuer, a missing, extra or differently cased audience', async () => {
    const h = { alg: 'HS256', kid: 'v1', typ: 'JWT' };
    await rejects(forge(h, { ...validClaims(), iss: 'other' }));
    const { aud: _aud, ...noAud } = validClaims();
    await rejects(forge(h, noAud));
    await rejects(forge(h, { ...validClaims(), aud: ['user.access-token', 'other'] }));
    await rejects(forge(h, { ...validClaims(), aud: ['USER.ACCESS-TOKEN'] }));
  });

  test('is refused without a type claim (legacy format) or with type refresh', async () => {
    const h = { alg: 'HS256', kid: 'v1', typ: 'JWT' };
    const { type: _type, ...legacy } = validClaims();
    await rejects(forge(h, legacy));
    await rejects(forge(h, { ...validClaims(), type: 'refresh' }));
  });

  test('is refused when malformed: extra segment, bad base64, padding, oversize', async () => {
    const { token } = await issueAccessToken(await ring(), user, SID, NOW);
    for (const bad of [`${token}.x`, `${token}=`, token.replace(/\./, '.!'), token.slice(0, -2), 'a'.repeat(5000), '', 'a.b.c']) {
      await rejects(bad);
    }
  });

  test('a refresh token does not pass as an access token, nor the reverse', async () => {
    const keys = await ring();
    const refresh = await issueRefreshToken(keys, 123, '550e8400-e29b-41d4-a716-446655440000', NOW);
    await rejects(refresh.token, keys);
    const access = await issueAccessToken(keys, user, SID, NOW);
    await assert.rejects(verifyRefreshToken(keys, access.token, NOW), InvalidTokenError);
  });
});

describe('refresh token', () => {
  test('carries type refresh, tid, the refresh audience and a 30-day expiry', async () => {
    const tid = '550e8400-e29b-41d4-a716-446655440000';
    const { token, expiresAt } = await issueRefreshToken(await ring(), 123, tid, NOW);
    const [header, payload] = token.split('.');
    assert.deepEqual(decode(header!), { alg: 'HS256', kid: 'v1', typ: 'JWT' });
    assert.deepEqual(decode(payload!), {
      type: 'refresh', tid, iss: 'memos', aud: ['user.refresh-token'], sub: '123',
      iat: NOW.getTime() / 1000, exp: NOW.getTime() / 1000 + 30 * 86400,
    });
    assert.equal(expiresAt.getTime(), NOW.getTime() + 30 * 86_400_000);
  });

  test('a refresh-shaped token with a valid tid is refused for type access or for the access audience alone', async () => {
    const tid = '550e8400-e29b-41d4-a716-446655440000';
    const h = { alg: 'HS256', kid: 'v1', typ: 'JWT' };
    const refreshClaims = { type: 'refresh', tid, iss: 'memos', aud: ['user.refresh-token'], sub: '123', iat: NOW.getTime() / 1000, exp: NOW.getTime() / 1000 + 3600 };
    const keys = await ring();
    assert.equal((await verifyRefreshToken(keys, forge(h, refreshClaims), NOW)).tid, tid, 'control: the forged shape itself passes');
    await assert.rejects(verifyRefreshToken(keys, forge(h, { ...refreshClaims, type: 'access' }), NOW), /unexpected token type/);
    await assert.rejects(verifyRefreshToken(keys, forge(h, { ...refreshClaims, aud: ['user.access-token'] }), NOW), /unexpected audience|aud/);
  });

  test('keys from a rotated ring: the newest signs, older ones still verify', async () => {
    const v1 = await importHmacKey(SECRET);
    const v2 = await importHmacKey('another-secret-of-enough-length');
    const old = new KeyRing([{ kid: 'v1', key: v1, createdAt: NOW, retiresAt: null }]);
    const rotated = new KeyRing([{ kid: 'v1', key: v1, createdAt: NOW, retiresAt: null }, { kid: 'v2', key: v2, createdAt: NOW, retiresAt: null }]);
    const before = await issueAccessToken(old, user, SID, NOW);
    const after = await issueAccessToken(rotated, user, SID, NOW);
    assert.equal(decode(after.token.split('.')[0]!).kid, 'v2');
    assert.equal((await verifyAccessToken(rotated, before.token, NOW)).userId, 123);
    await assert.rejects(verifyAccessToken(old, after.token, NOW), InvalidTokenError);
  });
});
