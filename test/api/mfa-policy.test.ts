// Issue 13's policy (GENERAL.secondFactorRequirement) through the API on both storage modes: who must have a
// second factor, the enrolment a held-back sign-in goes through with its mfaToken, and that nothing signs the
// person in before it is done.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { codeFor, passwordStep, secondStep } from '../support/mfa.js';
import { createAdmin, createUser, signIn, type SignedIn } from '../support/users.js';

async function setPolicy(gw: TestGateway, admin: SignedIn, secondFactorRequirement: string) {
  const res = await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send({ generalSetting: { secondFactorRequirement } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.generalSetting.secondFactorRequirement, secondFactorRequirement);
}

for (const mode of STORAGE_MODES) {
  describe(`second factor policy [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    test('policy ADMINS: an admin without a factor gets no token and is led to enrollment; a user is not asked', async () => {
      const user = await createUser(gw);
      await setPolicy(gw, admin, 'ADMINS');
      const res = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } });
      assert.equal(res.status, 401);
      assert.equal(res.body.accessToken, undefined);
      assert.equal(res.headers['set-cookie'], undefined, 'no cookie');
      assert.equal(res.body.message, 'second factor enrollment required');
      const [info] = res.body.details;
      assert.equal(info.reason, 'SECOND_FACTOR_ENROLLMENT_REQUIRED');
      assert.equal(info.metadata.methods, 'TOTP');
      const mfaToken = info.metadata.mfaToken as string;

      await signIn(gw, user.username, user.password); // 200: a user is not asked

      // Not done until a factor is confirmed with that token.
      assert.equal((await secondStep(gw, { mfaToken })).status, 401, 'no sign-in before enrolment');
      const start = await gw.http.post('/api/v1/auth/enrollment/totp').send({ mfaToken });
      assert.equal(start.status, 200, JSON.stringify(start.body));
      assert.match(start.body.otpauthUri, /^otpauth:\/\/totp\//);
      const wrong = await gw.http.post('/api/v1/auth/enrollment/totp:confirm').send({ mfaToken, code: codeFor(gw, start.body.secret, 5) });
      assert.equal(wrong.status, 400);
      const confirm = await gw.http.post('/api/v1/auth/enrollment/totp:confirm').send({ mfaToken, code: codeFor(gw, start.body.secret) });
      assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
      assert.equal(confirm.body.recoveryCodes.length, 10);
      const done = await secondStep(gw, { mfaToken });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.user.username, admin.username);
      assert.equal((await secondStep(gw, { mfaToken })).status, 401, 'the token finished once');

      // From now on the admin presents the factor like anyone who has one.
      gw.clock.advance(30_000);
      const next = await passwordStep(gw, admin.username, admin.password);
      assert.equal(next.reason, 'SECOND_FACTOR_REQUIRED');
      assert.equal((await secondStep(gw, { mfaToken: next.mfaToken, totpCode: codeFor(gw, start.body.secret) })).status, 200);
    });

    test('policy EVERYONE holds back a user too; OPTIONAL (the default) asks only those who enrolled', async () => {
      const user = await createUser(gw);
      await setPolicy(gw, admin, 'EVERYONE');
      assert.equal((await passwordStep(gw, user.username, user.password)).reason, 'SECOND_FACTOR_ENROLLMENT_REQUIRED');
      await setPolicy(gw, admin, 'OPTIONAL');
      await signIn(gw, user.username, user.password);
    });

    test('an mfaToken of a sign-in that has a factor cannot start an enrolment', async () => {
      await setPolicy(gw, admin, 'EVERYONE');
      const user = await createUser(gw);
      const held = await passwordStep(gw, user.username, user.password);
      const start = await gw.http.post('/api/v1/auth/enrollment/totp').send({ mfaToken: held.mfaToken });
      await gw.http.post('/api/v1/auth/enrollment/totp:confirm').send({ mfaToken: held.mfaToken, code: codeFor(gw, start.body.secret) }).expect(200);
      gw.clock.advance(30_000);
      const verifyStep = await passwordStep(gw, user.username, user.password);
      assert.equal((await gw.http.post('/api/v1/auth/enrollment/totp').send({ mfaToken: verifyStep.mfaToken })).status, 401);
    });
  });
}
