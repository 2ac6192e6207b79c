// Removing a second factor ends the user's other sessions (issue 13 follow-up): a thief who signed in with the
// factor being removed loses the session and every token from it; the session that removed it stays. An admin's
// reset ends all of the target's sessions. Both storage modes.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { enrollTotp } from '../support/mfa.js';
import { createAdmin, createSignedInUser, signIn, type SignedIn } from '../support/users.js';

for (const mode of STORAGE_MODES) {
  describe(`removing a second factor ends other sessions [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    let here: SignedIn;
    let elsewhere: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      admin = await createAdmin(gw);
      here = await createSignedInUser(gw);
      elsewhere = await signIn(gw, here.username, here.password);
      await enrollTotp(gw, here);
    });
    afterEach(() => gw.close());

    const me = (who: SignedIn) => gw.http.get('/api/v1/auth/me').set(who.auth);

    test('DELETE /users/me/totp: the other session is refused at once, the current one still works', async () => {
      assert.equal((await me(elsewhere)).status, 200);
      const removed = await gw.http.delete('/api/v1/users/me/totp').set(here.auth);
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.equal((await me(elsewhere)).status, 401);
      assert.equal((await me(here)).status, 200);
      assert.equal((await gw.deps.store.sessions.listActiveByUser(here.userId, gw.clock.now())).length, 1);
    });

    test("an admin's reset of a user's factors ends all of that user's sessions", async () => {
      const reset = await gw.http.delete(`/api/v1/users/${here.userId}/secondFactors`).set(admin.auth);
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      assert.equal((await me(elsewhere)).status, 401);
      assert.equal((await me(here)).status, 401);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(admin.auth)).status, 200);
    });
  });
}
