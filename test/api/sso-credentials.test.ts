// Memos' API sign-in with `ssoCredentials` {idpName | idpId, code, redirectUri, codeVerifier}: the client ran the
// authorization-code flow itself (here: the test, against the real OIDC provider and the GitHub fake). The
// gateway insists on a PKCE verifier and a registered redirect URI. Both storage modes.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { obtainAuthorizationCode } from '../support/oidc-provider.js';
import { createAdmin, type SignedIn } from '../support/users.js';
import {
  authorizeAtGithub,
  createIdp,
  githubIdpBody,
  GITHUB_CLIENT,
  OIDC_CLIENT,
  oidcIdpBody,
  setCookieNames,
  startProviders,
  TEST_ENV,
  TEST_INSTANCE_URL,
  type Providers,
} from '../support/sso.js';
import { expectSsoAudit } from '../support/sso-audit.js';

const CALLBACK = `${TEST_INSTANCE_URL}/auth/callback`;
const CLI_CALLBACK = 'http://127.0.0.1:53682/cli/callback';

let providers: Providers;
before(async () => {
  providers = await startProviders();
});
after(() => providers.stop());

async function oidcCode(login: string, redirectUri = CALLBACK) {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const code = await obtainAuthorizationCode(providers.op.issuer, {
    clientId: OIDC_CLIENT.client_id,
    redirectUri,
    login,
    state: oidc.randomState(),
    codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
  });
  return { code, codeVerifier };
}

for (const mode of STORAGE_MODES) {
  describe(`ssoCredentials sign-in [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    let uid: string;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: TEST_ENV });
      admin = await createAdmin(gw);
      uid = await createIdp(gw, admin, oidcIdpBody(providers.op, { oauth2: { redirectUris: [CLI_CALLBACK] } }), 'corp');
    });
    afterEach(() => gw.close());

    const signIn = (ssoCredentials: Record<string, unknown>) => gw.http.post('/api/v1/auth/signin').send({ ssoCredentials });

    test('a code from the OIDC provider signs in: Memos response, both cookies, and /auth/me names the new user', async () => {
      const { code, codeVerifier } = await oidcCode('alice');
      const res = await signIn({ idpName: `identity-providers/${uid}`, code, redirectUri: CALLBACK, codeVerifier });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body).sort(), ['accessToken', 'accessTokenExpiresAt', 'user']);
      assert.equal(res.body.user.username, 'alice-sub');
      assert.equal(res.body.user.role, 'USER');
      assert.deepEqual(setCookieNames(res.headers['set-cookie']).sort(), ['memos_refresh', 'sso_session']);
      const me = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`);
      assert.equal(me.body.user.username, 'alice-sub');
      assert.ok(await gw.deps.store.identities.find(uid, 'alice-sub'));
      await expectSsoAudit(gw, { event: 'sso.signin', provider: uid, step: 'api', secrets: [code, codeVerifier, res.body.accessToken] });
    });

    test("idpId (the docs' numeric id) and a redirect URI registered on the provider work too", async () => {
      const first = await oidcCode('alice');
      const idp = await gw.deps.store.idps.findByUid(uid);
      const byId = await signIn({ idpId: idp!.id, code: first.code, redirectUri: CALLBACK, codeVerifier: first.codeVerifier });
      assert.equal(byId.status, 200, JSON.stringify(byId.body));
      const cli = await oidcCode('alice', CLI_CALLBACK);
      const viaCli = await signIn({ idpName: `identity-providers/${uid}`, code: cli.code, redirectUri: CLI_CALLBACK, codeVerifier: cli.codeVerifier });
      assert.equal(viaCli.status, 200, JSON.stringify(viaCli.body));
      assert.equal(viaCli.body.user.name, byId.body.user.name);
    });

    test('a redirect URI not registered for the provider is refused before the code is used', async () => {
      const { code, codeVerifier } = await oidcCode('alice', 'http://127.0.0.1:7777/cli/callback');
      const res = await signIn({ idpName: `identity-providers/${uid}`, code, redirectUri: 'http://127.0.0.1:7777/cli/callback', codeVerifier });
      assert.equal(res.status, 400);
      assert.match(res.body.message, /redirectUri is not registered/);
      assert.equal(await gw.deps.store.identities.find(uid, 'alice-sub'), null);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'REDIRECT_URI_NOT_ALLOWED', step: 'api', secrets: [code, codeVerifier] });
    });

    test('a missing verifier is refused without spending the code; a wrong one is refused by the provider', async () => {
      const users = await gw.deps.store.users.count();
      const wrongCode = await oidcCode('bob');
      const wrong = await signIn({ idpName: `identity-providers/${uid}`, code: wrongCode.code, redirectUri: CALLBACK, codeVerifier: oidc.randomPKCECodeVerifier() });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.message, 'identity provider "Test OIDC" rejected the authorization code');
      assert.doesNotMatch(JSON.stringify(wrong.body), /grant|PKCE|verification/i, "the provider's own words stay out");
      assert.deepEqual(setCookieNames(wrong.headers['set-cookie']), []);
      assert.equal(await gw.deps.store.users.count(), users);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'CODE_REJECTED', step: 'api', secrets: [wrongCode.code, wrongCode.codeVerifier] });

      const { code, codeVerifier } = await oidcCode('alice');
      const missing = await signIn({ idpName: `identity-providers/${uid}`, code, redirectUri: CALLBACK });
      assert.equal(missing.status, 400);
      assert.match(missing.body.message, /^codeVerifier is required/);
      assert.equal(await gw.deps.store.users.count(), users);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'VERIFIER_INVALID', step: 'api', secrets: [code] });
      const ok = await signIn({ idpName: `identity-providers/${uid}`, code, redirectUri: CALLBACK, codeVerifier });
      assert.equal(ok.status, 200, 'the refused request never reached the provider, so the code is still good');
    });

    test('the identifier filter and the registration switch apply to the API flow', async () => {
      const filtered = await createIdp(gw, admin, oidcIdpBody(providers.op, { identifierFilter: '^alice' }), 'filtered');
      const bob = await oidcCode('bob');
      const denied = await signIn({ idpName: `identity-providers/${filtered}`, code: bob.code, redirectUri: CALLBACK, codeVerifier: bob.codeVerifier });
      assert.equal(denied.status, 403);
      assert.deepEqual(denied.body, { code: 7, message: 'identifier bob-sub is not allowed', details: [] });
      assert.equal(await gw.deps.store.identities.find(filtered, 'bob-sub'), null);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: filtered, reason: 'IDENTIFIER_NOT_ALLOWED', step: 'api', secrets: [bob.code, bob.codeVerifier] });

      const patch = await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send({ generalSetting: { disallowUserRegistration: true } });
      assert.equal(patch.status, 200);
      const alice = await oidcCode('alice');
      const closed = await signIn({ idpName: `identity-providers/${filtered}`, code: alice.code, redirectUri: CALLBACK, codeVerifier: alice.codeVerifier });
      assert.equal(closed.status, 403);
      assert.equal(closed.body.message, 'user registration is not allowed');
      assert.equal(await gw.deps.store.identities.find(filtered, 'alice-sub'), null);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: filtered, reason: 'REGISTRATION_CLOSED', step: 'api', secrets: [alice.code, alice.codeVerifier] });
    });

    test('an unknown or malformed provider reference is a 400', async () => {
      const body = { code: 'x', redirectUri: CALLBACK, codeVerifier: oidc.randomPKCECodeVerifier() };
      const unknown = await signIn({ ...body, idpName: 'identity-providers/nope' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.message, 'identity provider not found');
      await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'PROVIDER_NOT_FOUND', step: 'api', secrets: [body.codeVerifier] }, 'unknown');
      const malformed = await signIn({ ...body, idpName: 'providers/corp' });
      assert.equal(malformed.status, 400);
      assert.match(malformed.body.message, /^invalid identity provider name/);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'PROVIDER_NOT_FOUND', step: 'api' }, 'malformed');
      assert.equal((await signIn({ ...body, idpId: 999 })).status, 400);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'PROVIDER_NOT_FOUND', step: 'api' }, 'idpId 999');
    });

    test('a GitHub code works through the API flow with the numeric id as identifier', async () => {
      const gh = await createIdp(gw, admin, githubIdpBody(providers.gh, { oauth2: { fieldMapping: { identifier: 'id', displayName: 'name', email: 'email', avatarUrl: '' } } }));
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const authorize = new URL(providers.gh.authUrl);
      authorize.search = new URLSearchParams({
        client_id: GITHUB_CLIENT.client_id, redirect_uri: CALLBACK, state: 's', code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
      }).toString();
      const code = (await authorizeAtGithub(providers.gh, authorize, 'octocat')).searchParams.get('code')!;
      const res = await signIn({ idpName: `identity-providers/${gh}`, code, redirectUri: CALLBACK, codeVerifier });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.user.displayName, 'The Octocat');
      assert.ok(await gw.deps.store.identities.find(gh, '583231'));
    });
  });
}
