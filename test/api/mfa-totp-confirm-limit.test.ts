// TOTP enrolment's confirm step is regulated like a sign-in's second step (issue 13 §1): wrong codes count per
// account and address, and the N+1th attempt is 429 even with the right code, so a stolen access token cannot
// guess a pending secret's codes. Both storage modes.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { codeFor } from '../support/mfa.js';
import { createAdmin, createSignedInUser, type SignedIn } from '../support/users.js';

for (const mode of STORAGE_MODES) {
  describe(`TOTP enrolment confirm regulation [${mode}]`, () => {
    let gw: TestGateway;
    let user: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      await createAdmin(gw);
      user = await createSignedInUser(gw);
    });
    afterEach(() => gw.close());

    test('totp:confirm: the N+1th wrong code → 429 (right code too), and the secret stays pending', async () => {
      const max = gw.deps.config.regulation.perUser.maxFailures;
      const start = await gw.http.post('/api/v1/users/me/totp').set(user.auth);
      assert.equal(start.status, 200, JSON.stringify(start.body));
      const right = codeFor(gw, start.body.secret);
      const wrong = right === '000000' ? '111111' : '000000';
      for (let i = 1; i <= max; i++) {
        const res = await gw.http.post('/api/v1/users/me/totp:confirm').set(user.auth).send({ code: wrong });
        assert.equal(res.status, 400, `wrong code ${i}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      const banned = await gw.http.post('/api/v1/users/me/totp:confirm').set(user.auth).send({ code: right });
      assert.equal(banned.status, 429, JSON.stringify(banned.body));
      assert.ok(Number(banned.headers['retry-after']) > 0);
      assert.equal((await gw.deps.store.secondFactors.findTotp(user.userId))?.state, 'PENDING');
    });
  });
}
