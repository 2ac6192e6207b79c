// /api/v1/oidc-clients (admin): the fixed API shape, the secret shown once and kept only as a hash, redirect URIs
// validated and matched exactly, masked updates, deletion and secret regeneration taking effect at once. Both
// storage modes; every answer is checked against the OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sha256Hex } from '../../src/auth/secrets.js';
import { STORAGE_MODES } from '../support/gateway.js';
import { dumpDatabase } from '../support/db-dump.js';
import { authorizeByFetch, pkcePair, postForm, startOpGateway, type OpGateway } from '../support/oidc-op.js';
import { CookieJar } from '../support/cookie-jar.js';
import { createAdmin, createSignedInUser, type SignedIn } from '../support/users.js';

const REDIRECT = 'https://wiki.example.com/oauth/callback';

for (const mode of STORAGE_MODES) {
  describe(`OIDC clients API [${mode}]`, () => {
    let op: OpGateway;
    let admin: SignedIn;

    before(async () => {
      op = await startOpGateway(mode);
      admin = await createAdmin(op.gw);
    });
    after(async () => op?.close());

    test('create answers the client and its secret once; list and get never show it; at rest only its SHA-256', async () => {
      const created = await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({
        clientId: 'wiki', displayName: 'Wiki', redirectUris: [REDIRECT], postLogoutRedirectUris: ['https://wiki.example.com/'],
        allowedRoles: ['ADMIN', 'USER'], allowedUsers: ['users/1'], backchannelLogoutUri: 'https://wiki.example.com/bcl',
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.client.name, 'oidc-clients/wiki');
      assert.equal(created.body.client.consent, 'ONCE');
      assert.equal(created.body.client.requirePkce, true);
      assert.equal(created.body.client.public, false);
      assert.match(created.body.clientSecret, /^[0-9a-f]{64}$/);
      const secret = created.body.clientSecret as string;
      const list = await op.gw.http.get('/api/v1/oidc-clients').set(admin.auth);
      assert.deepEqual(list.body.clients.map((c: { clientId: string }) => c.clientId), ['wiki']);
      const got = await op.gw.http.get('/api/v1/oidc-clients/wiki').set(admin.auth);
      assert.equal(got.body.displayName, 'Wiki');
      assert.ok(!JSON.stringify([list.body, got.body]).includes(secret), 'no answer holds the secret again');
      const dump = JSON.stringify(await dumpDatabase(op.gw.storage));
      assert.ok(!dump.includes(secret), 'the secret is nowhere in the database');
      assert.ok(dump.includes(sha256Hex(secret)), 'its hash is');
      const audit = await op.gw.http.get('/api/v1/audit-logs?event=oidc_client.created').set(admin.auth);
      assert.ok(!JSON.stringify(audit.body).includes(secret));
    });

    test('a public client gets no secret; a public client cannot turn PKCE off', async () => {
      const pub = await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({ displayName: 'Spa', redirectUris: ['http://127.0.0.1:5173/cb'], public: true });
      assert.equal(pub.status, 200);
      assert.equal(pub.body.clientSecret, undefined);
      assert.match(pub.body.client.clientId, /^[0-9a-f]{24}$/, 'a generated id');
      const noPkce = await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({ displayName: 'Spa', redirectUris: ['http://127.0.0.1:5173/cb'], public: true, requirePkce: false });
      assert.equal(noPkce.status, 400);
    });

    test('redirect URIs are absolute http(s) without a fragment; unknown fields and a taken id are refused', async () => {
      for (const uri of ['/relative', 'https://a.example/cb#frag', 'javascript:alert(1)', 'https://user:pw@a.example/cb', 'ftp://a.example/cb']) {
        const res = await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({ displayName: 'X', redirectUris: [uri] });
        assert.equal(res.status, 400, uri);
      }
      assert.equal((await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({ displayName: 'X', redirectUris: [REDIRECT], grant_types: ['implicit'] })).status, 400);
      assert.equal((await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({ displayName: 'X', redirectUris: [] })).status, 400);
      assert.equal((await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({ clientId: 'wiki', displayName: 'X', redirectUris: [REDIRECT] })).status, 409);
    });

    test('allowedGroups: group names round-trip through create, get and PATCH; a name no group can have is a 400', async () => {
      const created = await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({ clientId: 'team-wiki', displayName: 'Team wiki', redirectUris: [REDIRECT], allowedGroups: ['eng', 'acme/wiki'] });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.deepEqual(created.body.client.allowedGroups, ['eng', 'acme/wiki']);
      assert.deepEqual((await op.gw.http.get('/api/v1/oidc-clients/team-wiki').set(admin.auth)).body.allowedGroups, ['eng', 'acme/wiki']);
      const patched = await op.gw.http.patch('/api/v1/oidc-clients/team-wiki?updateMask=allowedGroups').set(admin.auth).send({ allowedGroups: ['ops'] });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual(patched.body.allowedGroups, ['ops']);
      for (const bad of [['a,b'], [''], [' lead'], 'eng']) {
        const res = await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({ displayName: 'X', redirectUris: [REDIRECT], allowedGroups: bad });
        assert.equal(res.status, 400, JSON.stringify(bad));
        assert.ok(JSON.stringify(res.body.details).includes('allowedGroups'), JSON.stringify(res.body));
      }
      assert.equal((await op.gw.http.delete('/api/v1/oidc-clients/team-wiki').set(admin.auth)).status, 200);
    });

    test('only admins: a user gets 403, nobody else 401', async () => {
      const user = await createSignedInUser(op.gw);
      assert.equal((await op.gw.http.get('/api/v1/oidc-clients').set(user.auth)).status, 403);
      assert.equal((await op.gw.http.post('/api/v1/oidc-clients').set(user.auth).send({ displayName: 'X', redirectUris: [REDIRECT] })).status, 403);
      assert.equal((await op.gw.http.get('/api/v1/oidc-clients')).status, 401);
    });

    test('PATCH changes exactly the fields named by updateMask; unknown mask fields are refused', async () => {
      const res = await op.gw.http.patch('/api/v1/oidc-clients/wiki?updateMask=displayName,consent').set(admin.auth).send({ displayName: 'Wiki 2', consent: 'SKIP', redirectUris: ['https://ignored.example/cb'] });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.displayName, 'Wiki 2');
      assert.equal(res.body.consent, 'SKIP');
      assert.deepEqual(res.body.redirectUris, [REDIRECT], 'not in the mask: unchanged');
      assert.equal((await op.gw.http.patch('/api/v1/oidc-clients/wiki?updateMask=clientId').set(admin.auth).send({ clientId: 'x' })).status, 400);
      assert.equal((await op.gw.http.patch('/api/v1/oidc-clients/nope?updateMask=displayName').set(admin.auth).send({ displayName: 'x' })).status, 404);
    });

    test('a new client, a regenerated secret and a deletion take effect at once at the token endpoint', async () => {
      const user = await createSignedInUser(op.gw);
      const created = await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({ clientId: 'live', displayName: 'Live', redirectUris: ['http://127.0.0.1:9/cb'], consent: 'SKIP' });
      const oldSecret = created.body.clientSecret as string;
      const jar = new CookieJar();
      jar.cookies.set('sso_session', user.jar.cookies.get('sso_session')!);
      const codeFor = async () => {
        const pkce = await pkcePair();
        const out = await authorizeByFetch(op, jar, { client_id: 'live', redirect_uri: 'http://127.0.0.1:9/cb', response_type: 'code', scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256' });
        return { code: out.location?.searchParams.get('code') ?? '', verifier: pkce.verifier };
      };
      const exchange = (c: { code: string; verifier: string }, secret: string) =>
        postForm(`${op.issuer}/token`, { grant_type: 'authorization_code', code: c.code, redirect_uri: 'http://127.0.0.1:9/cb', code_verifier: c.verifier, client_id: 'live', client_secret: secret });
      assert.equal((await exchange(await codeFor(), oldSecret)).status, 200, 'usable at once');
      const regen = await op.gw.http.post('/api/v1/oidc-clients/live:regenerateSecret').set(admin.auth);
      assert.equal(regen.status, 200);
      assert.notEqual(regen.body.clientSecret, oldSecret);
      const c = await codeFor();
      assert.equal((await exchange(c, oldSecret)).json.error, 'invalid_client', 'the old secret stops working');
      assert.equal((await exchange(c, regen.body.clientSecret)).status, 200);
      assert.equal((await op.gw.http.delete('/api/v1/oidc-clients/live').set(admin.auth)).status, 200);
      assert.equal((await op.gw.http.get('/api/v1/oidc-clients/live').set(admin.auth)).status, 404);
      const gone = await authorizeByFetch(op, jar, { client_id: 'live', redirect_uri: 'http://127.0.0.1:9/cb', response_type: 'code', scope: 'openid' });
      assert.equal(gone.location, null, 'no redirect for a deleted client');
      assert.equal(gone.status, 400);
    });
  });
}
