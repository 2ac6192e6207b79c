// Outside review (issue 9), outbound side: provider URLs refused in every spelling of link-local and metadata
// addresses, also when discovered or when a name resolves there at connect time (R11); presets linking by
// immutable ids (R13); the token endpoint auth method (R16); no OAuth state in debug logs (R15).
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { after, afterEach, before, beforeEach, describe, mock, test } from 'node:test';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { startOidcProvider, type OidcTestProvider } from '../support/oidc-provider.js';
import { createAdmin, type SignedIn } from '../support/users.js';
import {
  authorizeAtGithub,
  authorizeAtOidc,
  createIdp,
  finishFlow,
  githubIdpBody,
  meFromRefreshCookie,
  OIDC_ACCOUNTS,
  oidcIdpBody,
  startFlow,
  startProviders,
  TEST_ENV,
  type Providers,
} from '../support/sso.js';
import { startCapturingGateway } from '../support/capturing-gateway.js';
import { fakeIdpBody, startFakeOidcIssuer } from '../support/tamperable-oidc-issuer.js';
import { expectSsoAudit } from '../support/sso-audit.js';

const preset = (name: string) => JSON.parse(readFileSync(new URL(`../../config/idp-presets/${name}.json`, import.meta.url), 'utf8'));

/** dns.lookup answering `names` itself (everything else as usual), for names that must resolve offline. */
function fakeResolver(names: Record<string, string>) {
  const original = dns.lookup;
  return mock.method(dns, 'lookup', (hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    const address = names[hostname];
    if (address === undefined) return (original as (...a: unknown[]) => void)(hostname, options, callback);
    const family = address.includes(':') ? 6 : 4;
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
    if (all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  });
}

let providers: Providers;
let strict: OidcTestProvider;
const POST_ONLY = { client_id: 'sso-gateway.post_only', client_secret: "s3cret-._~!*'()", onlyAuthMethod: 'client_secret_post' as const };
const BASIC_ONLY = { client_id: 'sso-gateway.basic-only', client_secret: "s3cret-._~!*'()", onlyAuthMethod: 'client_secret_basic' as const };
before(async () => {
  providers = await startProviders();
  const redirect_uris = ['http://127.0.0.1/auth/callback'];
  strict = await startOidcProvider({
    clients: [{ ...POST_ONLY, redirect_uris, anyLoopbackPort: true }, { ...BASIC_ONLY, redirect_uris, anyLoopbackPort: true }],
    accounts: { ...OIDC_ACCOUNTS },
  });
});
after(async () => {
  await providers.stop();
  await strict.stop();
});

for (const mode of STORAGE_MODES) {
  describe(`outbound review [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: TEST_ENV });
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    test('R11 link-local and metadata addresses are refused in every spelling (IPv4-mapped, compatible, NAT64, integer, octal, hex, names)', async () => {
      const spellings = [
        'https://[::ffff:169.254.169.254]/', 'https://[::ffff:a9fe:a9fe]/', 'https://[::169.254.169.254]/',
        'https://[64:ff9b::a9fe:a9fe]/', 'https://2852039166/', 'https://0251.0376.0251.0376/', 'https://0xa9fea9fe/',
        'https://[fe80::1]/', 'https://[fd00:ec2::254]/', 'https://100.100.100.200/', 'https://metadata.google.internal/',
        'https://metadata.google.internal./', 'https://[::]/', 'https://0.0.0.0/',
      ];
      for (const url of spellings) {
        const res = await gw.http.post('/api/v1/identity-providers').set(admin.auth)
          .send(oidcIdpBody(providers.op, { oauth2: { issuer: url } }));
        assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
        const tok = await gw.http.post('/api/v1/identity-providers').set(admin.auth)
          .send(githubIdpBody(providers.gh, { oauth2: { tokenUrl: `${url}latest/api/token` } }));
        assert.equal(tok.status, 400, `tokenUrl ${url}`);
      }
      // Private ranges stay allowed by default (self-hosted providers).
      await createIdp(gw, admin, githubIdpBody(providers.gh, { oauth2: { tokenUrl: 'https://10.20.30.40/token' } }));
    });

    test('R11 a discovered endpoint on an IPv4-mapped link-local address is refused before any redirect to the provider', async () => {
      const fake = await startFakeOidcIssuer();
      fake.metadata = { token_endpoint: 'http://[::ffff:a9fe:a9fe]/latest/api/token' };
      try {
        const uid = await createIdp(gw, admin, fakeIdpBody(fake));
        const res = await gw.http.get(`/auth/sso/${uid}`).set('Accept', 'application/json');
        assert.notEqual(res.status, 302, 'the sign-in must not start with that token endpoint');
        assert.ok(res.status >= 400);
        await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'RESPONSE_INVALID', step: 'start' });
      } finally {
        await fake.stop();
      }
    });

    test('R11 GATEWAY_OUTBOUND_DENY_PRIVATE refuses private and loopback providers, which are allowed by default', async () => {
      const denying = await startTestGateway(mode, { env: { ...TEST_ENV, GATEWAY_OUTBOUND_DENY_PRIVATE: 'true' } });
      try {
        const denyingAdmin = await createAdmin(denying);
        for (const issuer of [providers.op.issuer, 'https://10.1.2.3/', 'https://[fd12:3456::1]/', 'https://192.168.1.10/']) {
          const res = await denying.http.post('/api/v1/identity-providers').set(denyingAdmin.auth).send(oidcIdpBody(providers.op, { oauth2: { issuer } }));
          assert.equal(res.status, 400, issuer);
        }
      } finally {
        await denying.close();
      }
      await createIdp(gw, admin, oidcIdpBody(providers.op));
    });

    test('R13 the GitHub preset links by the immutable id and keeps login as the username (username mapping)', async () => {
      const gh = preset('github').config.oauth2Config;
      assert.equal(gh.fieldMapping.identifier, 'id');
      assert.equal(gh.fieldMapping.username, 'login');
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh, { oauth2: { fieldMapping: gh.fieldMapping } }));
      const read = await gw.http.get(`/api/v1/identity-providers/${uid}`).set(admin.auth);
      assert.equal(read.body.config.oauth2Config.fieldMapping.username, 'login');
      const flow = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtGithub(providers.gh, flow.authorizeUrl, 'octocat'), flow.cookie);
      assert.equal(res.status, 302, JSON.stringify(res.body));
      const me = await meFromRefreshCookie(gw, res.headers['set-cookie']);
      assert.equal(me.username, 'octocat');
      assert.equal((await gw.deps.store.identities.find(uid, '583231'))?.userId, Number(me.name.split('/')[1]), 'linked by id');
      assert.equal(await gw.deps.store.identities.find(uid, 'octocat'), null, 'never by login');
    });

    test('R13 the Microsoft preset is OpenID Connect on a tenant-specific issuer and links by sub, never by mail on /common', async () => {
      const ms = preset('microsoft').config.oauth2Config;
      assert.match(ms.issuer, /^https:\/\/login\.microsoftonline\.com\/[^/]+\/v2\.0$/);
      assert.doesNotMatch(JSON.stringify(ms), /\/(common|organizations|consumers)\//);
      assert.equal(ms.fieldMapping.identifier, 'sub');
      assert.notEqual(ms.fieldMapping.identifier, 'mail');
      for (const name of ['github', 'google', 'gitlab', 'microsoft']) {
        assert.ok(['id', 'sub'].includes(preset(name).config.oauth2Config.fieldMapping.identifier), `${name} links by an immutable id`);
      }
    });

    test('R16 by default the gateway sends client_secret_post to a provider that lists both and accepts only post (client id with - and .)', async () => {
      const uid = await createIdp(gw, admin, oidcIdpBody(strict, { oauth2: { clientId: POST_ONLY.client_id, clientSecret: POST_ONLY.client_secret } }));
      const flow = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtOidc(gw, flow.authorizeUrl, 'alice'), flow.cookie);
      assert.equal(res.status, 302, JSON.stringify(res.body));
      assert.equal((await meFromRefreshCookie(gw, res.headers['set-cookie'])).username, 'alice-sub');
    });

    test('R16 tokenEndpointAuthMethod client_secret_basic is stored, shown, and used against a basic-only provider', async () => {
      const body = oidcIdpBody(strict, { oauth2: { clientId: BASIC_ONLY.client_id, clientSecret: BASIC_ONLY.client_secret, tokenEndpointAuthMethod: 'client_secret_basic' } });
      const uid = await createIdp(gw, admin, body);
      const read = await gw.http.get(`/api/v1/identity-providers/${uid}`).set(admin.auth);
      assert.equal(read.body.config.oauth2Config.tokenEndpointAuthMethod, 'client_secret_basic');
      const flow = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtOidc(gw, flow.authorizeUrl, 'bob'), flow.cookie);
      assert.equal(res.status, 302, JSON.stringify(res.body));
      // The same provider without the setting gets post, which it refuses: the setting is what made it work.
      const other = await createIdp(gw, admin, oidcIdpBody(strict, { oauth2: { clientId: BASIC_ONLY.client_id, clientSecret: BASIC_ONLY.client_secret } }));
      const flow2 = await startFlow(gw, other);
      const res2 = await finishFlow(gw, await authorizeAtOidc(gw, flow2.authorizeUrl, 'bob'), flow2.cookie);
      assert.notEqual(res2.status, 302);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: other, reason: 'PROVIDER_UNAVAILABLE', step: 'callback', secrets: [flow2.state] }, 'client authentication refused');
      const bad = await gw.http.post('/api/v1/identity-providers').set(admin.auth)
        .send(oidcIdpBody(strict, { oauth2: { tokenEndpointAuthMethod: 'private_key_jwt' } }));
      assert.equal(bad.status, 400);
    });
  });
}

describe('outbound review: connect time and logs', () => {
  test('R11 a provider name that resolves to a link-local (metadata) address is refused at connect time', async () => {
    const resolver = fakeResolver({ 'idp.r11-metadata.test': '169.254.169.254', 'idp.r11-private.test': '10.9.8.7' });
    const gw = await startCapturingGateway('embedded', { env: TEST_ENV, logLevel: 'warn' });
    const denying = await startCapturingGateway('embedded', { env: { ...TEST_ENV, GATEWAY_OUTBOUND_DENY_PRIVATE: 'true' }, logLevel: 'warn' });
    try {
      const admin = await createAdmin(gw);
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op, { oauth2: { issuer: 'https://idp.r11-metadata.test/' } }));
      const res = await gw.http.get(`/auth/sso/${uid}`).set('Accept', 'application/json');
      assert.notEqual(res.status, 302);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'PROVIDER_UNAVAILABLE', step: 'start' }, 'metadata');
      assert.match(gw.logs(), /refused to connect to idp\.r11-metadata\.test: it is a link-local, cloud-metadata or reserved address/);
      assert.ok(resolver.mock.calls.some((c) => c.arguments[0] === 'idp.r11-metadata.test'), 'the name was resolved');

      const denyingAdmin = await createAdmin(denying);
      const uid2 = await createIdp(denying, denyingAdmin, oidcIdpBody(providers.op, { oauth2: { issuer: 'https://idp.r11-private.test/' } }));
      const res2 = await denying.http.get(`/auth/sso/${uid2}`).set('Accept', 'application/json');
      assert.notEqual(res2.status, 302);
      await expectSsoAudit(denying, { event: 'sso.denied', provider: uid2, reason: 'PROVIDER_UNAVAILABLE', step: 'start' }, 'private');
      assert.match(denying.logs(), /refused to connect to idp\.r11-private\.test: it is a private or loopback address/);
    } finally {
      resolver.mock.restore();
      await gw.close();
      await denying.close();
    }
  });

  test('R15 state not logged: the debug log of the redirect to the provider carries no state', async () => {
    const gw = await startCapturingGateway('embedded', { env: TEST_ENV, logLevel: 'debug' });
    try {
      const admin = await createAdmin(gw);
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh));
      const flow = await startFlow(gw, uid);
      assert.ok(flow.state.length >= 16);
      assert.match(gw.logs(), /"statusCode":302/, 'the 302 was logged at debug');
      assert.equal(gw.logs().includes(flow.state), false, 'the state must not be in the logs');
      assert.equal(gw.logs().includes(flow.authorizeUrl.searchParams.get('code_challenge')!), false);
    } finally {
      await gw.close();
    }
  });
});
