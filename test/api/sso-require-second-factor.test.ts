// A provider with `requireSecondFactor: true` (issue 13 §4): an SSO sign-in through it does not count the
// upstream's second factor. A person with a factor gets the same 401 SECOND_FACTOR_REQUIRED step as after a
// password; one without is sent to enrolment; neither gets a cookie or token first. Providers without the flag
// sign in at once. The field is validated (a boolean) and shown only when set. Both storage modes.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { findSessionIdOfSsoToken } from '../../src/sessions/session-lifecycle.js';
import { findSignInMethods } from '../../src/sessions/sign-in-method.js';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { codeFor, secondStep, TOTP_STEP_MS } from '../support/mfa.js';
import { obtainAuthorizationCode } from '../support/oidc-provider.js';
import { createAdmin, type SignedIn } from '../support/users.js';
import { authorizeAtOidc, cookieValue, createIdp, finishFlow, OIDC_CLIENT, startFlow, oidcIdpBody, setCookieNames, startProviders, TEST_ENV, TEST_INSTANCE_URL, type Providers } from '../support/sso.js';

const CALLBACK = `${TEST_INSTANCE_URL}/auth/callback`;

let providers: Providers;
before(async () => {
  providers = await startProviders();
});
after(() => providers.stop());

async function oidcCode(login: string) {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const code = await obtainAuthorizationCode(providers.op.issuer, {
    clientId: OIDC_CLIENT.client_id,
    redirectUri: CALLBACK,
    login,
    state: oidc.randomState(),
    codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
  });
  return { code, codeVerifier };
}

function errorInfo(body: { details?: Array<{ reason: string; metadata: Record<string, string> }> }) {
  const info = body.details?.[0];
  assert.ok(info, JSON.stringify(body));
  return info;
}

for (const mode of STORAGE_MODES) {
  describe(`identity provider requireSecondFactor [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: TEST_ENV });
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    const ssoSignIn = async (uid: string, login: string) => {
      const { code, codeVerifier } = await oidcCode(login);
      return gw.http.post('/api/v1/auth/signin').send({ ssoCredentials: { idpName: `identity-providers/${uid}`, code, redirectUri: CALLBACK, codeVerifier } });
    };

    test('the field is a boolean, shown only when true, and can be set by a masked update', async () => {
      const bad = await gw.http.post('/api/v1/identity-providers').set(admin.auth).send(oidcIdpBody(providers.op, { oauth2: { requireSecondFactor: 'yes' } }));
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
      const plain = await createIdp(gw, admin, oidcIdpBody(providers.op), 'plain');
      const read = await gw.http.get(`/api/v1/identity-providers/${plain}`).set(admin.auth);
      assert.equal(read.body.config.oauth2Config.requireSecondFactor, undefined);
      const patched = await gw.http
        .patch(`/api/v1/identity-providers/${plain}?updateMask=config`)
        .set(admin.auth)
        .send(oidcIdpBody(providers.op, { oauth2: { requireSecondFactor: true } }));
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.config.oauth2Config.requireSecondFactor, true);
      assert.equal((await gw.deps.store.idps.findByUid(plain))?.config.requireSecondFactor, true);
    });

    test('a person with TOTP signing in through such a provider gets 401 SECOND_FACTOR_REQUIRED, no cookie, then tokens after the code; amr is fed otp mfa', async () => {
      const open = await createIdp(gw, admin, oidcIdpBody(providers.op), 'open');
      // First sign-in through the open provider creates alice and lets her enrol TOTP.
      const first = await ssoSignIn(open, 'alice');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const auth = { Authorization: `Bearer ${first.body.accessToken}` };
      const start = await gw.http.post('/api/v1/users/me/totp').set(auth);
      assert.equal(start.status, 200, JSON.stringify(start.body));
      const confirm = await gw.http.post('/api/v1/users/me/totp:confirm').set(auth).send({ code: codeFor(gw, start.body.secret) });
      assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
      gw.clock.advance(TOTP_STEP_MS);
      // The admin now sets the flag on the provider alice is linked to.
      await gw.deps.store.idps.update(open, { config: { ...(await gw.deps.store.idps.findByUid(open))!.config, requireSecondFactor: true } }, gw.clock.now());

      const held = await ssoSignIn(open, 'alice');
      assert.equal(held.status, 401, JSON.stringify(held.body));
      const info = errorInfo(held.body);
      assert.equal(info.reason, 'SECOND_FACTOR_REQUIRED');
      assert.equal(info.metadata.methods, 'TOTP,RECOVERY_CODE');
      assert.deepEqual(setCookieNames(held.headers['set-cookie']), []);
      assert.equal(held.body.accessToken, undefined);

      const done = await secondStep(gw, { mfaToken: info.metadata.mfaToken!, totpCode: codeFor(gw, start.body.secret) });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.deepEqual(setCookieNames(done.headers['set-cookie']).sort(), ['memos_refresh', 'sso_session']);
      const me = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${done.body.accessToken}`);
      assert.equal(me.body.user.username, 'alice-sub');
      const sessionId = await findSessionIdOfSsoToken(gw.deps, cookieValue(done.headers['set-cookie'], 'sso_session')!);
      assert.deepEqual(await findSignInMethods(gw.deps, sessionId!), ['fed', 'otp', 'mfa'], 'RFC 8176: federated, then the gateway\'s own one-time code');
    });

    test('a person without a factor is sent to enrolment (no tokens) and signs in once TOTP is confirmed with the mfaToken', async () => {
      const strict = await createIdp(gw, admin, oidcIdpBody(providers.op, { oauth2: { requireSecondFactor: true } }), 'strict');
      const held = await ssoSignIn(strict, 'alice');
      assert.equal(held.status, 401, JSON.stringify(held.body));
      const info = errorInfo(held.body);
      assert.equal(info.reason, 'SECOND_FACTOR_ENROLLMENT_REQUIRED');
      assert.deepEqual(setCookieNames(held.headers['set-cookie']), []);
      const mfaToken = info.metadata.mfaToken!;
      const tooSoon = await secondStep(gw, { mfaToken });
      assert.equal(tooSoon.status, 401, JSON.stringify(tooSoon.body));
      const totp = await gw.http.post('/api/v1/auth/enrollment/totp').send({ mfaToken });
      assert.equal(totp.status, 200, JSON.stringify(totp.body));
      const confirmed = await gw.http.post('/api/v1/auth/enrollment/totp:confirm').send({ mfaToken, code: codeFor(gw, totp.body.secret) });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.equal(confirmed.body.recoveryCodes.length, 10);
      const done = await secondStep(gw, { mfaToken });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.user.username, 'alice-sub');
    });

    test('the browser callback of such a provider sends the browser to the enrolment step with no session cookie', async () => {
      const strict = await createIdp(gw, admin, oidcIdpBody(providers.op, { oauth2: { requireSecondFactor: true } }), 'strict');
      const flow = await startFlow(gw, strict, { redirect: '/after' });
      const callback = await authorizeAtOidc(gw, flow.authorizeUrl, 'alice');
      const res = await finishFlow(gw, callback, flow.cookie, 'text/html');
      assert.equal(res.status, 303, `${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.headers.location, '/auth/mfa/enroll');
      const names = setCookieNames(res.headers['set-cookie']);
      assert.ok(names.includes('gw_browser'), names.join(','));
      assert.ok(!names.includes('sso_session') && !names.includes('memos_refresh'), names.join(','));
      const browser = cookieValue(res.headers['set-cookie'], 'gw_browser')!;
      const page = await gw.http.get('/auth/mfa/enroll').set('Cookie', `gw_browser=${browser}`);
      assert.equal(page.status, 200);
      assert.match(page.text, /otpauth:\/\/totp\//);
    });

    test('without the flag, an SSO sign-in of a person with TOTP counts the upstream factor and signs in at once', async () => {
      const open = await createIdp(gw, admin, oidcIdpBody(providers.op), 'open');
      const first = await ssoSignIn(open, 'alice');
      const auth = { Authorization: `Bearer ${first.body.accessToken}` };
      const start = await gw.http.post('/api/v1/users/me/totp').set(auth);
      const confirm = await gw.http.post('/api/v1/users/me/totp:confirm').set(auth).send({ code: codeFor(gw, start.body.secret) });
      assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
      const again = await ssoSignIn(open, 'alice');
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.ok(again.body.accessToken);
    });
  });
}
