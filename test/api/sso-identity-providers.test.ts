// The identity-provider API (Memos IdentityProviderService): public list without secrets, admin-only CRUD,
// optional uid, masked PATCH that keeps a stored secret, validation of every field on save, and deletion that
// removes the provider's account links. Both storage modes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { createAdmin, createSignedInUser, type SignedIn } from '../support/users.js';
import { createIdp, setGeneral, TEST_ENV } from '../support/sso.js';

const SECRET = 'super-secret-client-value-42';

/** The docs' GitHub example (authentication-methods), with a recognisable secret. */
function docsGithub() {
  return {
    title: 'GitHub OAuth',
    type: 'OAUTH2',
    identifierFilter: '',
    config: {
      oauth2Config: {
        clientId: 'your-github-client-id',
        clientSecret: SECRET,
        authUrl: 'https://github.com/login/oauth/authorize',
        tokenUrl: 'https://github.com/login/oauth/access_token',
        userInfoUrl: 'https://api.github.com/user',
        scopes: ['read:user', 'user:email'],
        fieldMapping: { identifier: 'login', displayName: 'name', email: 'email', avatarUrl: 'avatar_url' },
      },
    },
  };
}

function expectedJson(uid: string, body = docsGithub()) {
  return { name: `identity-providers/${uid}`, ...body, config: { oauth2Config: { ...body.config.oauth2Config, clientSecret: '' } } };
}

for (const mode of STORAGE_MODES) {
  describe(`identity providers API [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: TEST_ENV });
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    test("create with the docs' wrapped body answers the resource without its secret; the list is public", async () => {
      const created = await gw.http.post('/api/v1/identity-providers?identityProviderId=github').set(admin.auth).send({ identityProvider: docsGithub() });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.deepEqual(created.body, expectedJson('github'));
      const list = await gw.http.get('/api/v1/identity-providers');
      assert.equal(list.status, 200);
      assert.deepEqual(list.body, { identityProviders: [expectedJson('github')] });
      const one = await gw.http.get('/api/v1/identity-providers/github').set(admin.auth);
      assert.deepEqual(one.body, expectedJson('github'));
      for (const res of [created, list, one]) assert.doesNotMatch(res.text, new RegExp(SECRET));
      assert.equal((await gw.deps.store.idps.findByUid('github'))?.config.clientSecret, SECRET, 'the secret is stored');
    });

    test('the list is an empty array on a fresh instance, and a bad bearer on it is still 401', async () => {
      assert.deepEqual((await gw.http.get('/api/v1/identity-providers')).body, { identityProviders: [] });
      assert.equal((await gw.http.get('/api/v1/identity-providers').set('Authorization', 'Bearer nope')).status, 401);
    });

    test('a bare body (Memos REST) gets a generated 22-character uid; a taken uid is 409; a bad uid is 400', async () => {
      const uid = await createIdp(gw, admin, docsGithub());
      assert.match(uid, /^[0-9A-Za-z]{22}$/);
      await createIdp(gw, admin, docsGithub(), 'corp-sso');
      const dup = await gw.http.post('/api/v1/identity-providers?identityProviderId=corp-sso').set(admin.auth).send(docsGithub());
      assert.equal(dup.status, 409);
      const bad = await gw.http.post('/api/v1/identity-providers?identityProviderId=-bad-').set(admin.auth).send(docsGithub());
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /^invalid UID: must be 1-36 characters/);
    });

    test('the presets in config/idp-presets are accepted as they are', async () => {
      for (const name of ['github', 'google', 'gitlab', 'microsoft']) {
        const preset = JSON.parse(readFileSync(new URL(`../../config/idp-presets/${name}.json`, import.meta.url), 'utf8'));
        const res = await gw.http.post(`/api/v1/identity-providers?identityProviderId=${name}`).set(admin.auth).send(preset);
        assert.equal(res.status, 200, `${name}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.title, preset.title);
      }
    });

    test('only admins may create, read one, change or delete; anonymous callers get 401', async () => {
      const uid = await createIdp(gw, admin, docsGithub());
      const user = await createSignedInUser(gw);
      assert.equal((await gw.http.post('/api/v1/identity-providers').set(user.auth).send(docsGithub())).status, 403);
      assert.equal((await gw.http.get(`/api/v1/identity-providers/${uid}`).set(user.auth)).status, 403);
      assert.equal((await gw.http.patch(`/api/v1/identity-providers/${uid}?updateMask=title`).set(user.auth).send({ title: 'x' })).status, 403);
      assert.equal((await gw.http.delete(`/api/v1/identity-providers/${uid}`).set(user.auth)).status, 403);
      assert.equal((await gw.http.post('/api/v1/identity-providers').send(docsGithub())).status, 401);
      assert.equal((await gw.deps.store.idps.list()).length, 1);
    });

    test('every invalid field is reported at once, naming the field', async () => {
      const body = docsGithub();
      const c = body.config.oauth2Config as Record<string, unknown>;
      c.clientId = '';
      c.tokenUrl = 'http://github.example/login/oauth/access_token';
      c.userInfoUrl = '';
      c.fieldMapping = { identifier: '', displayName: '', email: '', avatarUrl: '' };
      c.scopes = ['read user'];
      const res = await gw.http.post('/api/v1/identity-providers').set(admin.auth).send(body);
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 3);
      assert.match(res.body.message, /^invalid identity provider: config\.oauth2Config\.clientId: is required/);
      const fields = res.body.details[0].fieldViolations.map((v: { field: string }) => v.field);
      assert.deepEqual(fields, [
        'config.oauth2Config.clientId',
        'config.oauth2Config.tokenUrl',
        'config.oauth2Config.userInfoUrl',
        'config.oauth2Config.scopes[0]',
        'config.oauth2Config.fieldMapping.identifier',
      ]);
      assert.deepEqual(await gw.deps.store.idps.list(), []);
    });

    test('identifierFilter must compile as RE2: a broken pattern or Perl-only syntax is a 400 naming the field', async () => {
      for (const pattern of ['(unclosed', '(?=lookahead)', 'a'.repeat(300)]) {
        const res = await gw.http.post('/api/v1/identity-providers').set(admin.auth).send({ ...docsGithub(), identifierFilter: pattern });
        assert.equal(res.status, 400, pattern);
        assert.match(res.body.message, /^invalid identifierFilter: /);
        assert.equal(res.body.details[0].fieldViolations[0].field, 'identifierFilter');
      }
      const ok = await gw.http.post('/api/v1/identity-providers').set(admin.auth).send({ ...docsGithub(), identifierFilter: '(?i)^[a-z0-9-]+@corp\\.example$' });
      assert.equal(ok.status, 200);
    });

    test('a client secret is required on create; snake_case fields are accepted', async () => {
      const body = docsGithub();
      const noSecret = await gw.http.post('/api/v1/identity-providers').set(admin.auth).send({
        ...body, config: { oauth2Config: { ...body.config.oauth2Config, clientSecret: '' } },
      });
      assert.equal(noSecret.status, 400);
      assert.match(noSecret.body.message, /clientSecret: is required/);
      const snake = await gw.http.post('/api/v1/identity-providers').set(admin.auth).send({
        title: 'Snake', identifier_filter: 'x', config: { oauth2_config: {
          client_id: 'id', client_secret: 's', auth_url: 'https://a.example/auth', token_url: 'https://a.example/token',
          user_info_url: 'https://a.example/user', field_mapping: { identifier: 'sub', display_name: 'name' },
        } },
      });
      assert.equal(snake.status, 200, JSON.stringify(snake.body));
      assert.equal(snake.body.identifierFilter, 'x');
      assert.equal(snake.body.config.oauth2Config.userInfoUrl, 'https://a.example/user');
      assert.equal(snake.body.config.oauth2Config.fieldMapping.displayName, 'name');
    });

    test('PATCH with updateMask=title changes only the title', async () => {
      const uid = await createIdp(gw, admin, docsGithub());
      const res = await gw.http.patch(`/api/v1/identity-providers/${uid}?updateMask=title`).set(admin.auth)
        .send({ title: 'Renamed', identifierFilter: 'ignored', config: { oauth2Config: { clientId: 'ignored' } } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { ...expectedJson(uid), title: 'Renamed' });
    });

    test('PATCH of config with an empty clientSecret keeps the stored secret; a new one replaces it', async () => {
      const uid = await createIdp(gw, admin, docsGithub());
      const config = { oauth2Config: { ...docsGithub().config.oauth2Config, clientId: 'new-client', clientSecret: '' } };
      const kept = await gw.http.patch(`/api/v1/identity-providers/${uid}?updateMask=config`).set(admin.auth).send({ config });
      assert.equal(kept.status, 200, JSON.stringify(kept.body));
      assert.equal(kept.body.config.oauth2Config.clientId, 'new-client');
      assert.equal(kept.body.config.oauth2Config.clientSecret, '');
      assert.equal((await gw.deps.store.idps.findByUid(uid))?.config.clientSecret, SECRET);
      config.oauth2Config.clientSecret = 'rotated-secret';
      const replaced = await gw.http.patch(`/api/v1/identity-providers/${uid}`).set(admin.auth).query({ updateMask: 'config' }).send({ config });
      assert.equal(replaced.status, 200);
      assert.equal((await gw.deps.store.idps.findByUid(uid))?.config.clientSecret, 'rotated-secret');
      assert.doesNotMatch(replaced.text, /rotated-secret/);
    });

    test('PATCH validates what it changes and names the field; an unknown mask path changes nothing', async () => {
      const uid = await createIdp(gw, admin, docsGithub());
      const bad = await gw.http.patch(`/api/v1/identity-providers/${uid}?updateMask=identifier_filter`).set(admin.auth).send({ identifierFilter: '(' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /^invalid identifierFilter/);
      const ignored = await gw.http.patch(`/api/v1/identity-providers/${uid}?updateMask=type`).set(admin.auth).send({ title: 'x' });
      assert.equal(ignored.status, 200);
      assert.deepEqual(ignored.body, expectedJson(uid));
      const inferred = await gw.http.patch(`/api/v1/identity-providers/${uid}`).set(admin.auth).send({ identifierFilter: '^a' });
      assert.equal(inferred.body.identifierFilter, '^a', 'without a mask, the fields sent are the mask');
      const empty = await gw.http.patch(`/api/v1/identity-providers/${uid}`).set(admin.auth).send({});
      assert.equal(empty.status, 400);
      assert.equal(empty.body.message, 'update_mask is required');
      assert.equal((await gw.http.patch('/api/v1/identity-providers/missing?updateMask=title').set(admin.auth).send({ title: 'x' })).status, 404);
    });

    test('DELETE removes the provider and its account links; it is then 404', async () => {
      const uid = await createIdp(gw, admin, docsGithub());
      await gw.deps.store.identities.create({ userId: admin.userId, provider: uid, externUid: 'someone', createdAt: new Date() });
      const res = await gw.http.delete(`/api/v1/identity-providers/${uid}`).set(admin.auth);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {});
      assert.equal(await gw.deps.store.identities.find(uid, 'someone'), null);
      assert.equal((await gw.http.get(`/api/v1/identity-providers/${uid}`).set(admin.auth)).status, 404);
      assert.equal((await gw.http.delete(`/api/v1/identity-providers/${uid}`).set(admin.auth)).status, 404);
    });

    test('the last provider cannot be deleted while password sign-in is off for regular users', async () => {
      const uid = await createIdp(gw, admin, docsGithub());
      await setGeneral(gw, admin, { disallowPasswordAuth: true });
      const res = await gw.http.delete(`/api/v1/identity-providers/${uid}`).set(admin.auth);
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 9);
      assert.ok(await gw.deps.store.idps.findByUid(uid));
    });
  });
}

describe('identity provider URLs', () => {
  const loopback = () => {
    const body = docsGithub();
    body.config.oauth2Config.tokenUrl = 'http://127.0.0.1:9/token';
    return body;
  };

  test('plain http to a loopback host is refused when the gateway is served over https', async () => {
    const gw = await startTestGateway('embedded', { env: { GATEWAY_INSTANCE_URL: 'https://sso.example.com' } });
    try {
      const admin = await createAdmin(gw);
      const res = await gw.http.post('/api/v1/identity-providers').set(admin.auth).send(loopback());
      assert.equal(res.status, 400);
      assert.match(res.body.message, /tokenUrl: must be an https URL/);
    } finally {
      await gw.close();
    }
  });

  test('dev mode allows plain http to a loopback host even behind an https instance URL, never to another host', async () => {
    const gw = await startTestGateway('embedded', { env: { GATEWAY_INSTANCE_URL: 'https://sso.example.com', GATEWAY_MODE: 'dev' } });
    try {
      const admin = await createAdmin(gw);
      assert.equal((await gw.http.post('/api/v1/identity-providers').set(admin.auth).send(loopback())).status, 200);
      const remote = docsGithub();
      remote.config.oauth2Config.userInfoUrl = 'http://api.github.com/user';
      assert.equal((await gw.http.post('/api/v1/identity-providers').set(admin.auth).send(remote)).status, 400);
      const metadata = docsGithub();
      metadata.config.oauth2Config.userInfoUrl = 'https://169.254.169.254/latest/meta-data';
      assert.equal((await gw.http.post('/api/v1/identity-providers').set(admin.auth).send(metadata)).status, 400);
    } finally {
      await gw.close();
    }
  });
});
