// Signing-key rotation (admin API and replicas): v1 tokens keep working through a rotation, the newest kid
// signs, another gateway on the same storage learns the new key on first sight of its kid.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { KEY_VERIFY_OVERLAP_MS } from '../../src/auth/keys.js';
import { CookieJar } from '../support/cookie-jar.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createSignedInUser } from '../support/users.js';

const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).kid as string;

for (const mode of STORAGE_MODES) {
  describe(`signing key rotation [${mode}]`, () => {
    let gw: TestGateway;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
    });
    afterEach(() => gw.close());

    test('rotation adds v2, which signs new tokens while v1 tokens (access and refresh) keep working', async () => {
      const admin = await createAdmin(gw);
      const user = await createSignedInUser(gw);
      assert.equal(kidOf(user.accessToken), 'v1');
      const rotated = await gw.http.post('/api/v1/instance/signing-keys').set(admin.auth);
      assert.equal(rotated.status, 200);
      assert.equal(rotated.body.kid, 'v2');
      const me = await gw.http.get('/api/v1/auth/me').set(user.auth);
      assert.equal(me.status, 200, 'a v1 access token still verifies');
      const refreshed = await gw.http.post('/api/v1/auth/refresh').set('Cookie', user.jar.header('memos_refresh'));
      assert.equal(refreshed.status, 200, 'a v1 refresh token still rotates');
      assert.equal(kidOf(refreshed.body.accessToken), 'v2');
      const jar = new CookieJar();
      jar.store(refreshed.headers['set-cookie']);
      assert.equal(kidOf(jar.get('memos_refresh')!), 'v2');
    });

    test('the key list shows kids and which one signs, never a secret', async () => {
      const admin = await createAdmin(gw);
      await gw.http.post('/api/v1/instance/signing-keys').set(admin.auth).expect(200);
      const res = await gw.http.get('/api/v1/instance/signing-keys').set(admin.auth);
      assert.deepEqual(res.body.signingKeys.map((k: { kid: string; signing: boolean }) => [k.kid, k.signing]), [['v1', false], ['v2', true]]);
      assert.ok(res.body.signingKeys[0].retireTime);
      const basic = JSON.parse((await gw.deps.store.settings.find('BASIC'))!);
      assert.doesNotMatch(JSON.stringify(res.body), new RegExp(basic.secretKey));
    });

    test('an ordinary user cannot list or rotate keys', async () => {
      await createAdmin(gw);
      const user = await createSignedInUser(gw);
      assert.equal((await gw.http.post('/api/v1/instance/signing-keys').set(user.auth)).status, 403);
      assert.equal((await gw.http.get('/api/v1/instance/signing-keys').set(user.auth)).status, 403);
    });

    test('v1 stops verifying once its overlap after the rotation has passed', async () => {
      const admin = await createAdmin(gw);
      await gw.http.post('/api/v1/instance/signing-keys').set(admin.auth).expect(200);
      gw.clock.advance(KEY_VERIFY_OVERLAP_MS + 1000);
      await gw.deps.keys.reload(gw.clock.now());
      assert.deepEqual(gw.deps.keys.keys.map((k) => k.kid), ['v2']);
    });

    test('a second gateway on the same storage verifies a v2 token on first sight and then signs with v2', async () => {
      const replica = await startTestGateway(mode, { storage: gw.storage, clock: gw.clock });
      try {
        const admin = await createAdmin(gw);
        await gw.http.post('/api/v1/instance/signing-keys').set(admin.auth).expect(200);
        const signIn = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } });
        assert.equal(kidOf(signIn.body.accessToken), 'v2');
        // With Redis the rotation's event reaches the replica (state/event-relay.ts), which reloads at once.
        if (replica.deps.relay === null) assert.equal(replica.deps.keys.signing.kid, 'v1', 'the replica loaded its ring before the rotation');
        const me = await replica.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${signIn.body.accessToken}`);
        assert.equal(me.status, 200, 'an unknown kid made the replica reload its ring');
        assert.equal(replica.deps.keys.signing.kid, 'v2');
      } finally {
        await replica.close();
      }
    });

    test('a token with a kid that exists nowhere is refused, and reloads are rate-limited', async () => {
      const admin = await createAdmin(gw);
      let loads = 0;
      const reload = gw.deps.keys.reload.bind(gw.deps.keys);
      gw.deps.keys.reload = async (now) => {
        loads += 1;
        return reload(now);
      };
      const [h, p, s] = admin.accessToken.split('.');
      const header = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(h!, 'base64url').toString()), kid: 'v9' })).toString('base64url');
      for (let i = 0; i < 5; i++) {
        const res = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${header}.${p}.${s}`);
        assert.equal(res.status, 401);
      }
      assert.equal(loads, 1);
    });
  });
}
