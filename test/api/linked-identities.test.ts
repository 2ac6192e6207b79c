// Memos' linked identities over the API: POST /api/v1/users/{user}/linkedIdentities runs the ssoCredentials code
// exchange (here against the GitHub fake) and links the account; list, get and delete; an account linked to
// someone else is 409; only an interactive sign-in may link. Both storage modes.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { startGithubFake, type GithubFake } from '../support/github-fake.js';
import { createAdmin, createSignedInUser, type SignedIn } from '../support/users.js';
import { authorizeAtGithub, createIdp, githubIdpBody, GITHUB_CLIENT, GITHUB_USERS, TEST_ENV, TEST_INSTANCE_URL } from '../support/sso.js';

const CALLBACK = `${TEST_INSTANCE_URL}/auth/callback`;
let gh: GithubFake;
before(async () => {
  gh = await startGithubFake({ clients: [GITHUB_CLIENT], users: GITHUB_USERS.map((u) => ({ ...u })) });
});
after(() => gh.stop());

async function githubCode(login: string) {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const url = new URL(gh.authUrl);
  url.search = new URLSearchParams({
    client_id: GITHUB_CLIENT.client_id, redirect_uri: CALLBACK, state: oidc.randomState(), scope: 'read:user user:email',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
  }).toString();
  const back = await authorizeAtGithub(gh, url, login);
  return { idpName: 'identity-providers/github', code: back.searchParams.get('code')!, redirectUri: CALLBACK, codeVerifier };
}

for (const mode of STORAGE_MODES) {
  describe(`linked identities API [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: TEST_ENV });
      admin = await createAdmin(gw);
      await createIdp(gw, admin, githubIdpBody(gh), 'github');
    });
    afterEach(() => gw.close());

    test('linkedIdentities: link with a code, list, get, 409 for an account linked to another user, delete', async () => {
      gw.clock.advance(60_000); // the admin links GitHub a minute after signing up (not an SSO registration)
      const linked = await gw.http.post('/api/v1/users/me/linkedIdentities').set(admin.auth).send(await githubCode('hubot'));
      assert.equal(linked.status, 200, JSON.stringify(linked.body));
      assert.deepEqual(linked.body, { name: `users/${admin.username}/linkedIdentities/github`, idpName: 'identity-providers/github', externUid: 'hubot' });
      const list = await gw.http.get(`/api/v1/users/${admin.username}/linkedIdentities`).set(admin.auth);
      assert.equal(list.status, 200);
      assert.equal(list.body.linkedIdentities.length, 1);
      assert.equal((await gw.http.get('/api/v1/users/me/linkedIdentities/github').set(admin.auth)).body.externUid, 'hubot');

      const other = await createSignedInUser(gw);
      const taken = await gw.http.post('/api/v1/users/me/linkedIdentities').set(other.auth).send(await githubCode('hubot'));
      assert.equal(taken.status, 409, 'an account linked to another user is not moved');
      assert.equal((await gw.http.get(`/api/v1/users/${other.username}/linkedIdentities`).set(admin.auth)).body.linkedIdentities.length, 0);
      assert.equal((await gw.http.get(`/api/v1/users/${admin.username}/linkedIdentities`).set(other.auth)).status, 403, 'not another user\'s list');

      // The admin also has a password: unlinking GitHub leaves a way in.
      assert.equal((await gw.http.delete('/api/v1/users/me/linkedIdentities/github').set(admin.auth)).status, 200);
      assert.equal((await gw.http.get('/api/v1/users/me/linkedIdentities/github').set(admin.auth)).status, 404);
    });

    test('linkedIdentities: an SSO-registered user cannot unlink their only provider (400 FailedPrecondition)', async () => {
      const signIn = await gw.http.post('/api/v1/auth/signin').send({ ssoCredentials: await githubCode('octocat') });
      assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
      const auth = { Authorization: `Bearer ${signIn.body.accessToken}` };
      const refused = await gw.http.delete('/api/v1/users/me/linkedIdentities/github').set(auth);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.code, 9);
      assert.equal((await gw.http.get('/api/v1/users/me/linkedIdentities').set(auth)).body.linkedIdentities.length, 1);
    });
  });
}
