// Upstream sign-out (issue 15 item 6): with endSessionAtProvider, signing out at the gateway sends the browser to
// the test IdP's (oidc-provider's) end_session_endpoint with the sign-in's ID token as id_token_hint and a
// post_logout_redirect_uri back to the gateway, which the real provider accepts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import {
  authorizeAtOidc,
  cookieValue,
  createIdp,
  finishFlow,
  OIDC_CLIENT,
  oidcIdpBody,
  startFlow,
  startProviders,
  TEST_ENV,
  TEST_INSTANCE_URL,
  type Providers,
} from '../support/sso.js';
import { createAdmin, type SignedIn } from '../support/users.js';

let providers: Providers;
before(async () => {
  providers = await startProviders();
});
after(() => providers?.stop());

/** Signs `login` in through the provider `uid`; the gateway's cookies of that sign-in. */
async function signInThrough(gw: TestGateway, uid: string, login: string): Promise<string> {
  const flow = await startFlow(gw, uid);
  const callback = await authorizeAtOidc(gw, flow.authorizeUrl, login);
  const res = await finishFlow(gw, callback, flow.cookie, 'text/html');
  assert.equal(res.status, 302, JSON.stringify(res.body));
  const sso = cookieValue(res.headers['set-cookie'], 'sso_session');
  const refresh = cookieValue(res.headers['set-cookie'], 'memos_refresh');
  assert.ok(sso && refresh, 'the sign-in sets both cookies');
  return `sso_session=${sso}; memos_refresh=${refresh}`;
}

const signOut = (gw: TestGateway, cookie: string) =>
  gw.http.post('/auth/signout').set({ Cookie: cookie, Origin: TEST_INSTANCE_URL });

for (const mode of STORAGE_MODES) {
  describe(`upstream sign-out [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;

    before(async () => {
      gw = await startTestGateway(mode, { env: TEST_ENV });
      admin = await createAdmin(gw);
    });
    after(() => gw?.close());

    test('signing out sends the browser to the provider end_session_endpoint with id_token_hint, which the provider accepts', async () => {
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op, { oauth2: { endSessionAtProvider: true } }));
      const cookie = await signInThrough(gw, uid, 'alice');
      const out = await signOut(gw, cookie);
      assert.equal(out.status, 303);
      const discovery = (await (await fetch(`${providers.op.issuer}/.well-known/openid-configuration`)).json()) as { end_session_endpoint: string };
      const location = new URL(String(out.headers.location));
      assert.equal(`${location.origin}${location.pathname}`, discovery.end_session_endpoint);
      assert.equal(location.searchParams.get('post_logout_redirect_uri'), `${TEST_INSTANCE_URL}/auth`);
      const hint = decodeJwt(location.searchParams.get('id_token_hint')!);
      assert.equal(hint.iss, providers.op.issuer);
      assert.equal(hint.aud, OIDC_CLIENT.client_id);
      // The real provider checks the hint's signature and the registered post_logout_redirect_uri: 200 is its
      // sign-out confirmation, a bad hint or URI would be its 400 error page.
      const atProvider = await fetch(location, { redirect: 'manual' });
      assert.equal(atProvider.status, 200, await atProvider.text());
      // The gateway session is over, and the kept ID token was single use.
      assert.equal((await gw.http.get('/api/v1/auth/me').set('Cookie', cookie)).status, 401);
      const again = await signOut(gw, cookie);
      assert.equal(again.status, 303);
      assert.equal(again.headers.location, `${TEST_INSTANCE_URL}/auth`);
    });

    test('a provider without endSessionAtProvider: sign-out ends at the gateway sign-in page', async () => {
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op, { title: 'No upstream sign-out' }));
      const cookie = await signInThrough(gw, uid, 'alice');
      const out = await signOut(gw, cookie);
      assert.equal(out.status, 303);
      assert.equal(out.headers.location, `${TEST_INSTANCE_URL}/auth`);
    });
  });
}
