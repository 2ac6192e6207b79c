// Passkeys over the JSON API, with a software authenticator (test/support/soft-authenticator.ts): registration
// (the first factor comes with recovery codes), the factor list, passwordless sign-in and the second step after a
// password (amr says what was used), and every refusal: a replayed assertion, a challenge used twice, another
// origin, another RP ID, a counter that went back, a challenge of another ceremony; removal needs a fresh
// interactive sign-in (never a PAT) and ends the user's other sessions.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { verifyAccessToken } from '../../src/auth/access-token.js';
import { findSignInMethods } from '../../src/sessions/sign-in-method.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { passwordStep, secondStep } from '../support/mfa.js';
import { createPat } from '../support/pats.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { createSignedInUser, signIn, type SignedIn } from '../support/users.js';

async function register(gw: TestGateway, who: SignedIn, authenticator: SoftAuthenticator, name = 'YubiKey') {
  const start = await gw.http.post('/api/v1/users/me/passkeys:options').set(who.auth).send({});
  assert.equal(start.status, 200, JSON.stringify(start.body));
  assert.equal(start.body.options.authenticatorSelection.userVerification, 'required');
  assert.equal(start.body.options.authenticatorSelection.residentKey, 'required');
  assert.equal(start.body.options.attestation, 'none');
  return gw.http.post('/api/v1/users/me/passkeys').set(who.auth).send({ name, response: authenticator.create(start.body.options) });
}

async function signInOptions(gw: TestGateway, body: Record<string, string> = {}) {
  const res = await gw.http.post('/api/v1/auth/passkey:options').send(body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.options as { challenge: string; rpId: string; allowCredentials?: unknown[] };
}

const passkeySignIn = (gw: TestGateway, response: unknown) => gw.http.post('/api/v1/auth/signin').send({ passkeyCredentials: { response } });

async function amrOf(gw: TestGateway, accessToken: string): Promise<string[]> {
  const claims = await verifyAccessToken(gw.deps.keys, accessToken, gw.clock.now());
  return findSignInMethods(gw.deps, claims.sessionId!);
}

for (const mode of STORAGE_MODES) {
  describe(`passkeys over the API [${mode}]`, () => {
    let gw: TestGateway;
    let origin: string;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      origin = gw.deps.config.instanceOrigin;
    });
    afterEach(async () => {
      await gw.close();
    });

    test('register (first factor: ten recovery codes), listed, then a passwordless sign-in gives tokens, cookies and amr hwk user', async () => {
      const user = await createSignedInUser(gw);
      const authenticator = new SoftAuthenticator(origin);
      const created = await register(gw, user, authenticator, 'Laptop');
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.recoveryCodes.length, 10);
      assert.equal(created.body.passkey.displayName, 'Laptop');
      const list = await gw.http.get('/api/v1/users/me/secondFactors').set(user.auth);
      assert.equal(list.body.passkeys.length, 1);
      assert.equal(list.body.passkeys[0].displayName, 'Laptop');
      assert.equal(list.body.passkeys[0].lastUsedTime, undefined);

      const options = await signInOptions(gw);
      assert.equal(options.allowCredentials?.length ?? 0, 0, 'discoverable: no credential list');
      const res = await passkeySignIn(gw, authenticator.get(options));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.user.username, user.username);
      assert.ok(String(res.headers['set-cookie']).includes('sso_session='));
      assert.deepEqual(await amrOf(gw, res.body.accessToken), ['hwk', 'user']);
      const after = await gw.http.get('/api/v1/users/me/secondFactors').set(user.auth);
      assert.ok(after.body.passkeys[0].lastUsedTime, 'last used recorded');
      assert.equal((await gw.deps.store.passkeys.listByUser(user.userId))[0]!.counter, 1, 'the counter is stored');
    });

    test('refused: the same assertion replayed, another origin, another RP ID, a counter that went back, a registration challenge', async () => {
      const user = await createSignedInUser(gw);
      const authenticator = new SoftAuthenticator(origin);
      assert.equal((await register(gw, user, authenticator)).status, 200);
      const refused = async (response: unknown, why: string) => {
        const res = await passkeySignIn(gw, response);
        assert.equal(res.status, 401, `${why}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.equal(res.headers['set-cookie'], undefined, `${why}: no cookie`);
        assert.equal(res.body.accessToken, undefined);
      };

      const good = authenticator.get(await signInOptions(gw));
      assert.equal((await passkeySignIn(gw, good)).status, 200);
      await refused(good, 'replayed assertion');

      await refused(authenticator.get(await signInOptions(gw), { origin: 'http://evil.example' }), 'wrong origin');
      await refused(authenticator.get({ ...(await signInOptions(gw)), rpId: 'evil.example' }), 'wrong RP ID');
      await refused(authenticator.get(await signInOptions(gw), { counter: 1 }), 'counter went back (a cloned key)');
      const registration = await gw.http.post('/api/v1/users/me/passkeys:options').set(user.auth).send({});
      await refused(authenticator.get({ challenge: registration.body.options.challenge }), 'a registration challenge');
      await refused(authenticator.get({ challenge: 'bm90LWlzc3VlZC1ieS10aGUtZ2F0ZXdheQ' }), 'a challenge never issued');

      // Each refused challenge was spent: the right origin with it no longer works either.
      const options = await signInOptions(gw);
      await refused(authenticator.get(options, { origin: 'http://evil.example' }), 'wrong origin');
      await refused(authenticator.get(options), 'the same challenge after a refusal');
      assert.equal((await passkeySignIn(gw, authenticator.get(await signInOptions(gw)))).status, 200, 'a fresh challenge still works');
    });

    test('as the second factor after a password: methods list PASSKEY, the challenge is bound to the mfaToken, amr pwd hwk user mfa', async () => {
      const user = await createSignedInUser(gw);
      const authenticator = new SoftAuthenticator(origin);
      assert.equal((await register(gw, user, authenticator)).status, 200);
      const step = await passwordStep(gw, user.username, user.password);
      assert.equal(step.methods, 'RECOVERY_CODE,PASSKEY');
      const options = await signInOptions(gw, { mfaToken: step.mfaToken });
      assert.equal(options.allowCredentials?.length, 1, "the user's own passkeys");

      const other = await passwordStep(gw, user.username, user.password);
      const wrongToken = await secondStep(gw, { mfaToken: other.mfaToken, passkey: authenticator.get(options) } as never);
      assert.equal(wrongToken.status, 401, 'a challenge of another pending sign-in');

      const again = await signInOptions(gw, { mfaToken: step.mfaToken });
      const res = await secondStep(gw, { mfaToken: step.mfaToken, passkey: authenticator.get(again) } as never);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(await amrOf(gw, res.body.accessToken), ['pwd', 'hwk', 'user', 'mfa']);
    });

    test('removal: a PAT → 403, a sign-in 20 minutes old → 403; a fresh one removes it and ends the other sessions', async () => {
      const user = await createSignedInUser(gw);
      const authenticator = new SoftAuthenticator(origin);
      const created = await register(gw, user, authenticator);
      const id = String(created.body.passkey.name).split('/').pop();
      const pat = await createPat(gw, user);
      assert.equal((await gw.http.delete(`/api/v1/users/me/passkeys/${id}`).set(pat.auth)).status, 403, 'a personal access token');
      gw.clock.advance(20 * 60 * 1000);
      // The access token (15 minutes) is renewed by refresh; the session's sign-in stays 20 minutes old.
      const renewed = await gw.http.post('/api/v1/auth/refresh').set('Cookie', user.jar.header('memos_refresh'));
      assert.equal(renewed.status, 200);
      const old = await gw.http.delete(`/api/v1/users/me/passkeys/${id}`).set({ Authorization: `Bearer ${renewed.body.accessToken}` });
      assert.equal(old.status, 403, 'a 20-minute-old sign-in');
      assert.match(old.body.message, /sign-in within the last 10 minutes/);
      const signInResponse = await passkeySignIn(gw, authenticator.get(await signInOptions(gw)));
      const fresh = { ...user, auth: { Authorization: `Bearer ${signInResponse.body.accessToken}` } };
      const removed = await gw.http.delete(`/api/v1/users/me/passkeys/${id}`).set(fresh.auth);
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.equal((await gw.http.get('/api/v1/auth/me').set({ Authorization: `Bearer ${renewed.body.accessToken}` })).status, 401, 'the older session ended');
      assert.equal((await gw.http.get('/api/v1/auth/me').set(fresh.auth)).status, 200, 'the session that removed it stays');
      assert.deepEqual(await gw.deps.store.passkeys.listByUser(user.userId), []);
      assert.equal(await gw.deps.store.secondFactors.countUnusedRecoveryCodes(user.userId), 0, 'no factor left: the recovery codes go too');
      assert.equal((await signIn(gw, user.username, user.password)).username, user.username, 'a password alone signs in again');
    });
  });
}

// GATEWAY_WEBAUTHN_RP_ID (configuration only, so one storage mode): a parent domain of the instance host becomes
// the RP ID of every ceremony; the origin checked stays the instance's, and an assertion for any other RP ID
// (the instance host itself included) is refused.
describe('passkeys with GATEWAY_WEBAUTHN_RP_ID = a parent domain', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway('embedded', { env: { GATEWAY_INSTANCE_URL: 'http://auth.corp.example', GATEWAY_WEBAUTHN_RP_ID: 'corp.example' } });
  });
  afterEach(async () => {
    await gw.close();
  });

  test('registration and sign-in use corp.example; the instance host as RP ID or another origin is refused', async () => {
    const user = await createSignedInUser(gw);
    const authenticator = new SoftAuthenticator('http://auth.corp.example');
    const start = await gw.http.post('/api/v1/users/me/passkeys:options').set(user.auth).send({});
    assert.equal(start.body.options.rp.id, 'corp.example');
    const created = await gw.http.post('/api/v1/users/me/passkeys').set(user.auth).send({ name: 'Key', response: authenticator.create(start.body.options) });
    assert.equal(created.status, 200, JSON.stringify(created.body));

    const options = await signInOptions(gw);
    assert.equal(options.rpId, 'corp.example');
    const ok = await passkeySignIn(gw, authenticator.get(options));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.user.username, user.username);

    assert.equal((await passkeySignIn(gw, authenticator.get({ ...(await signInOptions(gw)), rpId: 'auth.corp.example' }))).status, 401, 'the host is not the RP ID now');
    assert.equal((await passkeySignIn(gw, authenticator.get(await signInOptions(gw), { origin: 'http://wiki.corp.example' }))).status, 401, 'another site of the domain is not this origin');
  });
});
