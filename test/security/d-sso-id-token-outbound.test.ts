// Security catalogue, group D (part 2): what the gateway accepts from an OpenID provider and how it calls
// providers (cases 41, 43, 44, 46): an ID-token matrix of crafted tokens from our own issuer, a UserInfo `sub`
// mismatch, a discovery document naming another issuer, and outbound limits (no redirects, 1 MB, 5 s, URL rules).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { startTestGateway, STORAGE_MODES } from '../support/gateway.js';
import { createAdmin } from '../support/users.js';
import { createIdp, startProviders, type Providers } from '../support/sso.js';
import type { CapturingGateway } from '../support/capturing-gateway.js';
import { fakeIdpBody, startFakeOidcIssuer, type FakeOidcIssuer, type IdTokenParts } from '../support/tamperable-oidc-issuer.js';
import { assertRefusedWithoutTrace, countAccountRows, fakeAuthorization, finishFlow, signInAtFake, startSsoWorld, type SsoWorld } from '../support/sso-world.js';
import { expectSsoAudit } from '../support/sso-audit.js';

const FAILED_VERIFICATION = 'the response of identity provider "Fake OIDC" failed verification';
const UNAVAILABLE = { code: 14, message: 'identity provider "Fake OIDC" is unavailable or answered unexpectedly', details: [] };
const now = () => Math.floor(Date.now() / 1000);
const withClaims = (parts: IdTokenParts, claims: Record<string, unknown>): IdTokenParts => ({ ...parts, payload: { ...parts.payload, ...claims } });

let providers: Providers;
let fake: FakeOidcIssuer;
let canary: http.Server;
let canaryHits = 0;
before(async () => {
  [providers, fake] = await Promise.all([startProviders(), startFakeOidcIssuer()]);
  canary = http.createServer((_req, res) => {
    canaryHits += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"stolen","token_type":"Bearer"}');
  });
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await Promise.all([providers.stop(), fake.stop(), new Promise((resolve) => canary.close(resolve))]);
});

for (const mode of STORAGE_MODES) {
  describe(`catalogue D: ID tokens and outbound calls [${mode}]`, () => {
    let w: SsoWorld;
    let gw: CapturingGateway;
    beforeEach(async () => {
      fake.reset();
      w = await startSsoWorld(mode, providers, fake);
      gw = w.gw;
    });
    afterEach(() => gw.close());

    test('D41 ID tokens with a bad signature, alg none, HS256 under the client secret, wrong iss, aud, azp, expired, a week-old iat, missing or wrong nonce, or an unknown kid are each refused', async () => {
      // Google, GitLab, Entra and generic OpenID providers all take this one path (openid-client + our checks).
      const rows: [string, (parts: IdTokenParts) => Promise<string> | string][] = [
        ['signature by another key', (p) => fake.sign(p, 'stranger')],
        ['alg none', (p) => fake.unsecured(p)],
        ['HS256 with the client secret', (p) => fake.signHs256(p, fake.clientSecret)],
        ['wrong iss', (p) => fake.sign(withClaims(p, { iss: 'https://evil.example' }))],
        ['aud without our client_id', (p) => fake.sign(withClaims(p, { aud: 'someone-else' }))],
        ['aud with an extra untrusted audience', (p) => fake.sign(withClaims(p, { aud: [fake.clientId, 'untrusted'] }))],
        ['extra audience vouched for by azp', (p) => fake.sign(withClaims(p, { aud: [fake.clientId, 'untrusted'], azp: fake.clientId }))],
        ['wrong azp', (p) => fake.sign(withClaims(p, { azp: 'another-client' }))],
        ['expired', (p) => fake.sign(withClaims(p, { iat: now() - 600, exp: now() - 300 }))],
        ['iat a week old', (p) => fake.sign(withClaims(p, { iat: now() - 7 * 24 * 3600 }))],
        ['missing nonce', (p) => fake.sign(withClaims(p, { nonce: undefined }))],
        ['wrong nonce', (p) => fake.sign(withClaims(p, { nonce: 'not-the-nonce-of-this-flow' }))],
        // The trusted key itself, under a kid the JWKS does not list: a verifier that ignores `kid` would accept it.
        ['unknown kid, trusted key', (p) => fake.sign({ ...p, header: { ...p.header, kid: 'unknown-kid' } }, 'trusted')],
      ];
      const before = await countAccountRows(gw);
      for (const [what, craft] of rows) {
        fake.idToken = async (parts) => craft(parts);
        fake.hits.userinfo = 0;
        const res = await signInAtFake(gw, w.fakeUid);
        await assertRefusedWithoutTrace(gw, res, 400, before, what, { provider: w.fakeUid, reason: 'RESPONSE_INVALID' });
        assert.equal(res.body.message, FAILED_VERIFICATION, what);
        assert.equal(fake.hits.userinfo, 0, `${what}: the access token was not used`);
      }
      fake.idToken = (parts) => fake.sign(parts);
      assert.equal((await signInAtFake(gw, w.fakeUid)).status, 302, 'the honest token signs in: the rows failed for their flaw alone');
    });

    test('D43 a UserInfo sub different from the ID token sub is refused, and its claims are not used', async () => {
      fake.userinfo = (account) => ({ ...account, sub: 'someone-else', email: 'admin@corp.example' });
      const before = await countAccountRows(gw);
      const res = await signInAtFake(gw, w.fakeUid);
      await assertRefusedWithoutTrace(gw, res, 400, before, 'userinfo sub', { provider: w.fakeUid, reason: 'RESPONSE_INVALID' });
      assert.equal(res.body.message, FAILED_VERIFICATION);
      assert.equal(fake.hits.userinfo, 1, 'UserInfo was asked, and its answer refused');
    });

    test('D44 a discovery document naming another issuer makes the provider unusable: the sign-in is refused, nobody is sent there, and the log tells the admin why', async () => {
      fake.metadata = { issuer: 'https://impostor.example' };
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await gw.http.get(`/auth/sso/${w.fakeUid}`);
        assert.equal(res.status, 400);
        assert.equal(res.body.message, FAILED_VERIFICATION);
        assert.equal(res.headers.location, undefined);
        assert.equal(res.headers['set-cookie'], undefined, 'no flow was started');
        await expectSsoAudit(gw, { event: 'sso.denied', provider: w.fakeUid, reason: 'RESPONSE_INVALID', step: 'start' }, `attempt ${attempt}`);
      }
      assert.equal(fake.hits.discovery, 2, 'a bad document is not cached as good: each attempt checks again');
      assert.equal(fake.hits.authorize, 0);
      const page = await gw.http.get(`/auth/sso/${w.fakeUid}`).set('Accept', 'text/html');
      assert.match(page.text, /The answer from Fake OIDC could not be verified/);
      const logged = gw.logs().split('\n').filter((l) => l.includes('"sso_provider_error"')).map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(logged.length >= 2);
      assert.equal(logged[0]!.idp, w.fakeUid);
      assert.equal(logged[0]!.level, 40, 'a warning in the log');
      assert.match(JSON.stringify(logged[0]!.err), /issuer/i, 'naming the issuer mismatch');
    });

    test('D46 a provider whose token endpoint redirects, floods or stalls, or whose UserInfo floods, gives 502 and leaves no user behind', async () => {
      const before = await countAccountRows(gw);
      const canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}/token`;
      const cases: [string, 'token' | 'userinfo', http.RequestListener][] = [
        ['token endpoint redirects', 'token', (_req, res) => void res.writeHead(307, { location: canaryUrl }).end()],
        ['token response over 1 MB', 'token', (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(`{"pad":"${'x'.repeat(1_100_000)}"}`)],
        ['UserInfo over 1 MB, chunked', 'userinfo', (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"pad":"');
          for (let i = 0; i < 12; i++) res.write('y'.repeat(100_000));
          res.end('"}');
        }],
      ];
      for (const [what, endpoint, handler] of cases) {
        fake.intercept = { [endpoint]: handler };
        const res = await signInAtFake(gw, w.fakeUid);
        await assertRefusedWithoutTrace(gw, res, 502, before, what, { provider: w.fakeUid, reason: 'PROVIDER_UNAVAILABLE' });
        assert.deepEqual(res.body, UNAVAILABLE, what);
      }
      assert.equal(canaryHits, 0, 'the redirect was not followed');

      // A token endpoint that never answers: cut at the gateway's 5 s timeout (openid-client's default is 30 s).
      fake.intercept = { token: () => {} };
      const { flow, callback } = await fakeAuthorization(gw, w.fakeUid);
      const stalled = await finishFlow(gw, callback, flow.cookie);
      await assertRefusedWithoutTrace(gw, stalled, 502, before, 'stalled token endpoint', { provider: w.fakeUid, reason: 'PROVIDER_UNAVAILABLE', secrets: [callback.searchParams.get('code'), flow.state] });
      assert.deepEqual(stalled.body, UNAVAILABLE);
    });

    test('D46 provider URLs: link-local (cloud metadata) never, plain http only to loopback while the gateway itself runs on http (dev/test), discovered endpoints held to the same rule', async () => {
      const secure = await startTestGateway(mode, { env: { GATEWAY_INSTANCE_URL: 'https://sso.example.com' } });
      try {
        const admin = await createAdmin(secure);
        const withUrl = (field: string, url: string) => ({
          title: 'Probe', type: 'OAUTH2', identifierFilter: '',
          config: { oauth2Config: {
            clientId: 'c', clientSecret: 's', authUrl: 'https://idp.example.com/authorize', tokenUrl: 'https://idp.example.com/token',
            userInfoUrl: 'https://idp.example.com/userinfo', fieldMapping: { identifier: 'sub' }, [field]: url,
          } },
        });
        const refused = [
          ['tokenUrl', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
          ['userInfoUrl', 'https://169.254.169.254/latest/meta-data'],
          ['tokenUrl', 'http://[fe80::1]/token'],
          ['issuer', 'http://127.0.0.1:6379'],
          ['tokenUrl', 'http://127.0.0.1:3306/token'],
          ['userInfoUrl', 'http://10.0.0.5/userinfo'],
          ['authUrl', 'http://idp.example.com/authorize'],
          ['tokenUrl', 'https://user:pass@idp.example.com/token'],
          ['authUrl', 'javascript:alert(1)'],
        ];
        for (const [field, url] of refused) {
          const res = await secure.http.post('/api/v1/identity-providers').set(admin.auth).send(withUrl(field!, url!));
          assert.equal(res.status, 400, `${field} ${url}`);
          assert.equal(res.body.details[0].fieldViolations[0].field, `config.oauth2Config.${field}`, url);
        }
        assert.deepEqual(await secure.deps.store.idps.list(), []);
        assert.equal((await secure.http.post('/api/v1/identity-providers').set(admin.auth).send(withUrl('tokenUrl', 'https://idp.example.com/oauth/token'))).status, 200);
      } finally {
        await secure.close();
      }

      // This gateway runs on http://127.0.0.1 (a test instance): loopback http providers are fine, metadata is not.
      const metadata = await gw.http.post('/api/v1/identity-providers').set(w.admin.auth)
        .send(fakeIdpBody(fake, { oauth2: { issuer: 'http://169.254.169.254' } }));
      assert.equal(metadata.status, 400);
      fake.metadata = { token_endpoint: 'http://169.254.169.254/latest/api/token' };
      const discovered = await createIdp(gw, w.admin, fakeIdpBody(fake, { title: 'Redirected' }), 'redirected');
      const start = await gw.http.get(`/auth/sso/${discovered}`);
      assert.equal(start.status, 400, 'a discovered endpoint must pass the same rule');
      assert.equal(start.body.message, 'the response of identity provider "Redirected" failed verification');
      await expectSsoAudit(gw, { event: 'sso.denied', provider: discovered, reason: 'RESPONSE_INVALID', step: 'start' });
    });
  });
}
