// The OpenID Provider's storage, one contract per interface: the durable repositories (oidc_model, oidc_client,
// oidc_signing_key, oidc_consent) on embedded SQLite and on the real MariaDB, and the oidc-provider adapter over
// the ephemeral store (memory and the real Redis): single-use consume, revocation by grant, session uid lookup.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { createAdapterClass } from '../../src/oidc-provider/adapter.js';
import type { OidcClient } from '../../src/oidc-provider/oidc-storage.js';
import { ensureSigningKeys, loadProviderJwks, rotateOidcSigningKeys } from '../../src/oidc-provider/signing-keys.js';
import type { EphemeralStore } from '../../src/state/ephemeral-store.js';
import { MemoryEphemeralStore } from '../../src/state/memory-store.js';
import { RedisEphemeralStore } from '../../src/state/redis-store.js';
import { parseRedisTarget } from '../../src/state/redis-target.js';
import { openStore, type Store } from '../../src/store/store.js';
import { FakeClock } from '../support/fake-clock.js';
import { createStorage, STORAGE_MODES, type Storage } from '../support/gateway.js';
import { testRedisUrl, uniqueKeyPrefix } from '../support/redis.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function open(storage: Storage): Promise<Store> {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  return url.startsWith('sqlite:') ? openStore({ kind: 'sqlite', file: url.slice(7) }) : openStore({ kind: 'mysql', url, poolSize: 5 });
}

const client = (clientId: string): OidcClient => ({
  clientId, displayName: `App ${clientId}`, redirectUris: ['https://app.example/cb'], postLogoutRedirectUris: [], public: false,
  requirePkce: true, consent: 'ONCE', allowedRoles: ['ADMIN'], allowedUsers: ['users/7'], allowedGroups: ['wiki-editors'], backchannelLogoutUri: null, refreshTokens: false,
  idTokenSignedResponseAlg: 'RS256', subjectType: 'public', grantTypes: ['authorization_code'],
  tokenLifetimes: { accessToken: 600, idToken: null, refreshToken: null }, secretHash: 'ab'.repeat(32), createdAt: T0, updatedAt: T0,
});

for (const mode of STORAGE_MODES) {
  describe(`OpenID Provider repositories contract [${mode}]`, () => {
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

    test('models: upsert and find, expiry, consume exactly once, revoke by grant, the grant\'s session binding survives an upsert', async () => {
      const m = store.oidcModels;
      await m.upsert('Grant', 'g1', { payload: '{"jti":"g1"}', grantId: null, expiresAt: at(60_000) });
      await m.upsert('RefreshToken', 'r1', { payload: '{"jti":"r1","grantId":"g1"}', grantId: 'g1', expiresAt: at(60_000) });
      await m.upsert('RefreshToken', 'r2', { payload: '{"jti":"r2","grantId":"g2"}', grantId: 'g2', expiresAt: at(60_000) });
      assert.equal((await m.find('Grant', 'g1', T0))?.payload, '{"jti":"g1"}');
      assert.equal(await m.find('Grant', 'g1', at(60_000)), null, 'expired');
      await m.bindGrantToSession('g1', 'session-a');
      await m.upsert('Grant', 'g1', { payload: '{"jti":"g1","v":2}', grantId: null, expiresAt: at(120_000) });
      assert.equal(await m.findSessionOfGrant('g1'), 'session-a');
      assert.deepEqual(await m.listGrantIdsOfSessions(['session-a', 'other']), ['g1']);
      const results = await Promise.all([m.consume('RefreshToken', 'r1', T0), m.consume('RefreshToken', 'r1', T0), m.consume('RefreshToken', 'r1', T0)]);
      assert.deepEqual(results.filter(Boolean).length, 1, 'one of concurrent consumers wins');
      assert.equal((await m.find('RefreshToken', 'r1', T0))?.consumedAt?.getTime(), T0.getTime());
      await m.revokeByGrantId('g1');
      assert.equal(await m.find('Grant', 'g1', T0), null);
      assert.equal(await m.find('RefreshToken', 'r1', T0), null);
      assert.ok(await m.find('RefreshToken', 'r2', T0), 'another grant\'s token stays');
      await m.destroy('RefreshToken', 'r2');
      assert.equal(await m.find('RefreshToken', 'r2', T0), null);
    });

    test('clients: create, find, list, a taken id is ALREADY_EXISTS, update changes what it names, delete', async () => {
      const c = store.oidcClients;
      await c.create(client('wiki'));
      await c.create(client('chat'));
      await assert.rejects(c.create(client('wiki')), (e: unknown) => e instanceof AppError && e.code === 'ALREADY_EXISTS');
      assert.deepEqual(await c.findById('wiki'), client('wiki'));
      assert.deepEqual((await c.list()).map((x) => x.clientId), ['chat', 'wiki']);
      const updated = await c.update('wiki', { displayName: 'Wiki 2', redirectUris: ['https://w.example/cb'] }, at(1000));
      assert.equal(updated?.displayName, 'Wiki 2');
      assert.deepEqual((await c.findById('wiki'))?.redirectUris, ['https://w.example/cb']);
      assert.deepEqual((await c.findById('wiki'))?.allowedUsers, ['users/7'], 'unnamed fields unchanged');
      assert.equal((await c.findById('wiki'))?.updatedAt.getTime(), at(1000).getTime());
      assert.equal(await c.update('nope', { displayName: 'x' }, T0), null);
      assert.equal(await c.delete('wiki'), true);
      assert.equal(await c.delete('wiki'), false);
      assert.equal(await c.findById('wiki'), null);
    });

    test('signing keys: first start makes RS256 and ES256; rotation retires the old ones, which verify but never sign, then go', async () => {
      await ensureSigningKeys(store.oidcKeys, T0);
      await ensureSigningKeys(store.oidcKeys, T0);
      const first = await loadProviderJwks(store.oidcKeys, T0);
      assert.deepEqual(first.keys.map((k) => k.alg), ['RS256', 'ES256'], 'once, RS256 first');
      const kids = await rotateOidcSigningKeys(store.oidcKeys, at(1000));
      const after = await loadProviderJwks(store.oidcKeys, at(2000));
      assert.deepEqual(after.keys.slice(0, 2).map((k) => k.kid), kids, 'the new keys come first and sign');
      assert.deepEqual(after.keys.slice(2).map((k) => k.key_ops), [['verify'], ['verify']], 'the old keys only verify');
      assert.notEqual(after.fingerprint, first.fingerprint);
      const dayLater = await loadProviderJwks(store.oidcKeys, at(25 * 3600_000));
      assert.deepEqual(dayLater.keys.map((k) => k.kid), kids, 'old keys leave the JWKS once their tokens have expired');
    });

    test('consent: remembered per user and client, replaced, revocable', async () => {
      const c = store.oidcConsents;
      assert.equal(await c.find(1, 'wiki'), null);
      await c.remember(1, 'wiki', ['openid', 'profile'], T0);
      await c.remember(1, 'wiki', ['openid', 'email', 'openid'], T0);
      assert.deepEqual(await c.find(1, 'wiki'), ['email', 'openid']);
      assert.equal(await c.find(2, 'wiki'), null);
      await c.remember(1, 'chat', ['openid'], at(5));
      await c.remember(2, 'wiki', ['openid'], T0);
      assert.deepEqual(await c.listByUser(1), [
        { clientId: 'chat', scopes: ['openid'], createdAt: at(5) },
        { clientId: 'wiki', scopes: ['email', 'openid'], createdAt: T0 },
      ], 'listed per user, by client id');
      assert.equal(await c.revoke(1, 'wiki'), true);
      assert.equal(await c.find(1, 'wiki'), null);
      assert.deepEqual((await c.listByUser(1)).map((x) => x.clientId), ['chat']);
      assert.equal(await c.find(2, 'wiki') !== null, true, 'another user keeps theirs');
    });
  });
}

const EPHEMERAL: { name: string; make(clock: FakeClock): Promise<EphemeralStore> }[] = [
  { name: 'memory', make: async (clock) => new MemoryEphemeralStore(clock) },
  {
    name: 'redis',
    make: async () => {
      const parsed = parseRedisTarget({ url: testRedisUrl() });
      if (!parsed.ok) throw new Error(parsed.errors.join(', '));
      const s = new RedisEphemeralStore({ target: parsed.target!, keyPrefix: uniqueKeyPrefix() });
      await s.waitUntilReady();
      return s;
    },
  },
];

for (const { name, make } of EPHEMERAL) {
  describe(`oidc-provider adapter over the ephemeral store [${name}]`, () => {
    let ephemeral: EphemeralStore;
    let storage: Storage;
    let store: Store;
    const clock = new FakeClock(T0);
    beforeEach(async () => {
      ephemeral = await make(clock);
      storage = await createStorage('embedded');
      store = await open(storage);
    });
    afterEach(async () => {
      await ephemeral.close();
      await store.close();
      await storage.destroy();
    });

    const adapterFor = (model: string) => {
      const Adapter = createAdapterClass({ clock, ephemeral, models: store.oidcModels, findClient: async (id) => (id === 'wiki' ? client('wiki') : null) });
      return new Adapter(model);
    };

    test('a code is consumed once for everyone, and its grant\'s revocation makes it unfindable', async () => {
      const codes = adapterFor('AuthorizationCode');
      await codes.upsert('c1', { jti: 'c1', grantId: 'g1', kind: 'AuthorizationCode' }, 60);
      assert.equal((await codes.find('c1'))?.consumed, undefined);
      await Promise.all([codes.consume('c1'), adapterFor('AuthorizationCode').consume('c1')]);
      assert.equal(typeof (await adapterFor('AuthorizationCode').find('c1'))?.consumed, 'number', 'seen consumed by another adapter instance');
      await adapterFor('AccessToken').upsert('a1', { jti: 'a1', grantId: 'g1', kind: 'AccessToken' }, 60);
      await codes.revokeByGrantId('g1');
      assert.equal(await codes.find('c1'), undefined);
      assert.equal(await adapterFor('AccessToken').find('a1'), undefined);
    });

    test('sessions are found by uid; destroy removes; Grant and RefreshToken go to the database; clients are read-only', async () => {
      const sessions = adapterFor('Session');
      await sessions.upsert('s1', { jti: 's1', uid: 'u1', kind: 'Session' }, 60);
      assert.equal((await sessions.findByUid('u1'))?.jti, 's1');
      await sessions.destroy('s1');
      assert.equal(await sessions.find('s1'), undefined);
      await adapterFor('Grant').upsert('g9', { jti: 'g9', kind: 'Grant', accountId: '1' }, 60);
      assert.ok(await store.oidcModels.find('Grant', 'g9', T0), 'durable');
      assert.equal((await adapterFor('Client').find('wiki'))?.client_id, 'wiki');
      assert.equal(await adapterFor('Client').find('other'), undefined);
      await assert.rejects(adapterFor('Client').upsert('x', {}, 0));
    });
  });
}
