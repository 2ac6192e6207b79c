// The browser SSO flow driven over HTTP (no browser): GET /auth/sso/{uid} → provider sign-in → GET
// /auth/callback, against a real oidc-provider and the GitHub-shaped fake, on both storage modes. Covers
// auto-registration, the identifier filter, closed registration, name collisions and parallel tabs.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { createAdmin, createUser, type SignedIn } from '../support/users.js';
import {
  authorizeAtGithub,
  authorizeAtOidc,
  createIdp,
  finishFlow,
  githubIdpBody,
  meFromRefreshCookie,
  oidcIdpBody,
  setCookieNames,
  setGeneral,
  startFlow,
  startProviders,
  TEST_ENV,
  type Providers,
} from '../support/sso.js';
import { expectSsoAudit } from '../support/sso-audit.js';

let providers: Providers;
before(async () => {
  providers = await startProviders();
});
after(() => providers.stop());

for (const mode of STORAGE_MODES) {
  describe(`browser SSO flow [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: TEST_ENV });
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    const userCount = () => gw.deps.store.users.count();

    test('an OIDC sign-in registers the user, sets both cookies and returns to the checked return URL', async () => {
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op));
      const flow = await startFlow(gw, uid, { redirect: '/apps/wiki?page=1' });
      assert.equal(flow.authorizeUrl.searchParams.get('code_challenge_method'), 'S256');
      assert.match(flow.authorizeUrl.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.ok(flow.authorizeUrl.searchParams.get('nonce'));
      assert.equal(flow.authorizeUrl.searchParams.get('redirect_uri'), `${gw.deps.config.instanceUrl}/auth/callback`);
      assert.equal(flow.authorizeUrl.searchParams.has('code_verifier'), false);
      assert.match(flow.cookie, /^sso_flow=[A-Za-z0-9_-]{43}$/);

      const callback = await authorizeAtOidc(gw, flow.authorizeUrl, 'alice');
      const res = await finishFlow(gw, callback, flow.cookie);
      assert.equal(res.status, 302, JSON.stringify(res.body));
      assert.equal(res.headers.location, '/apps/wiki?page=1');
      assert.deepEqual(setCookieNames(res.headers['set-cookie']).sort(), ['memos_refresh', 'sso_session']);

      const me = await meFromRefreshCookie(gw, res.headers['set-cookie']);
      assert.equal(me.username, 'alice-sub');
      assert.equal(me.role, 'USER');
      assert.equal(me.email, 'alice@corp.example');
      assert.equal(me.displayName, 'Alice Liddell');
      const identity = await gw.deps.store.identities.find(uid, 'alice-sub');
      assert.equal(identity?.userId, Number(me.name.split('/')[1]));
      const row = await expectSsoAudit(gw, { event: 'sso.signin', provider: uid, step: 'callback', secrets: [callback.searchParams.get('code'), flow.state, flow.cookie] });
      assert.equal(row.subjectUserId, identity?.userId, 'the audit row names the user signed in');
    });

    test('a second sign-in of the same account signs into the same user without registering again', async () => {
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op));
      const first = await startFlow(gw, uid);
      const res1 = await finishFlow(gw, await authorizeAtOidc(gw, first.authorizeUrl, 'alice'), first.cookie);
      const before = await userCount();
      const second = await startFlow(gw, uid);
      const res2 = await finishFlow(gw, await authorizeAtOidc(gw, second.authorizeUrl, 'alice'), second.cookie);
      assert.equal(res2.status, 302);
      assert.equal(await userCount(), before);
      assert.equal((await meFromRefreshCookie(gw, res2.headers['set-cookie'])).name, (await meFromRefreshCookie(gw, res1.headers['set-cookie'])).name);
    });

    test('a GitHub (plain OAuth2) sign-in maps login, name and email and lands on the default return URL', async () => {
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh));
      const flow = await startFlow(gw, uid);
      assert.equal(flow.authorizeUrl.origin, providers.gh.baseUrl);
      assert.equal(flow.authorizeUrl.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(flow.authorizeUrl.searchParams.get('scope'), 'read:user user:email');
      const res = await finishFlow(gw, await authorizeAtGithub(providers.gh, flow.authorizeUrl, 'octocat'), flow.cookie);
      assert.equal(res.status, 302, JSON.stringify(res.body));
      assert.equal(res.headers.location, '/');
      const me = await meFromRefreshCookie(gw, res.headers['set-cookie']);
      assert.deepEqual([me.username, me.displayName, me.email], ['octocat', 'The Octocat', 'octocat@github.example']);
      assert.equal(providers.gh.lastTokenRequest?.params.code_verifier?.length, 43, 'the PKCE verifier went to the token endpoint');
    });

    test("GitHub's numeric id works as the identifier: it is linked as a string and never becomes an all-digit username", async () => {
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh, { oauth2: { fieldMapping: { identifier: 'id', displayName: 'name', email: 'email', avatarUrl: '' } } }));
      const flow = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtGithub(providers.gh, flow.authorizeUrl, 'hubot'), flow.cookie);
      assert.equal(res.status, 302, JSON.stringify(res.body));
      const me = await meFromRefreshCookie(gw, res.headers['set-cookie']);
      assert.notEqual(me.username, '9001');
      assert.equal(me.displayName, '9001', 'GitHub sent no name: the display name falls back to the identifier');
      const identity = await gw.deps.store.identities.find(uid, '9001');
      assert.equal(identity?.userId, Number(me.name.split('/')[1]));
    });

    test('an identifier equal to an existing local username gets a separate account, never the local one', async () => {
      const local = await createUser(gw, { username: 'octocat' }, admin);
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh));
      const flow = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtGithub(providers.gh, flow.authorizeUrl, 'octocat'), flow.cookie);
      assert.equal(res.status, 302);
      const me = await meFromRefreshCookie(gw, res.headers['set-cookie']);
      assert.notEqual(Number(me.name.split('/')[1]), local.id);
      assert.notEqual(me.username, 'octocat');
      assert.equal(me.role, 'USER');
      assert.deepEqual(await gw.deps.store.identities.listForUser(local.id), []);
    });

    test('an identifier that reads like the administrator does not get that username', async () => {
      await providers.op.setAccount('root-login', { sub: 'admin', name: 'Not the admin' });
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op));
      const flow = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtOidc(gw, flow.authorizeUrl, 'root-login'), flow.cookie);
      assert.equal(res.status, 302);
      const me = await meFromRefreshCookie(gw, res.headers['set-cookie']);
      assert.notEqual(me.username, 'admin');
      assert.notEqual(me.name, `users/${admin.userId}`);
      assert.equal(me.role, 'USER');
    });

    test('identifierFilter denies a non-matching identifier: 403, no user, no identity row, no session', async () => {
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op, {
        identifierFilter: '@corp\\.example$',
        oauth2: { fieldMapping: { identifier: 'email', displayName: 'name', email: 'email', avatarUrl: '' } },
      }));
      const before = await userCount();
      const flow = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtOidc(gw, flow.authorizeUrl, 'bob'), flow.cookie);
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { code: 7, message: 'identifier bob@elsewhere.example is not allowed', details: [] });
      assert.deepEqual(setCookieNames(res.headers['set-cookie']), []);
      assert.equal(await userCount(), before);
      assert.equal(await gw.deps.store.identities.find(uid, 'bob@elsewhere.example'), null);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'IDENTIFIER_NOT_ALLOWED', step: 'callback', secrets: [flow.state] });

      const allowed = await startFlow(gw, uid);
      const ok = await finishFlow(gw, await authorizeAtOidc(gw, allowed.authorizeUrl, 'alice'), allowed.cookie);
      assert.equal(ok.status, 302, 'an identifier matching the filter signs in');
    });

    test('identifierFilter is case-sensitive, as in Memos', async () => {
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op, {
        identifierFilter: '^ALICE',
        oauth2: { fieldMapping: { identifier: 'preferred_username', displayName: '', email: '', avatarUrl: '' } },
      }));
      const flow = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtOidc(gw, flow.authorizeUrl, 'alice'), flow.cookie);
      assert.equal(res.status, 403);
      assert.equal(res.body.message, 'identifier alice is not allowed');
      await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'IDENTIFIER_NOT_ALLOWED', secrets: [flow.state] });
    });

    test('disallowUserRegistration refuses a new identity (403, zero rows) but lets an already-linked one in', async () => {
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh));
      const linked = await startFlow(gw, uid);
      assert.equal((await finishFlow(gw, await authorizeAtGithub(providers.gh, linked.authorizeUrl, 'octocat'), linked.cookie)).status, 302);
      await setGeneral(gw, admin, { disallowUserRegistration: true });
      const before = await userCount();

      const fresh = await startFlow(gw, uid);
      const refused = await finishFlow(gw, await authorizeAtGithub(providers.gh, fresh.authorizeUrl, 'hubot'), fresh.cookie);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.message, 'user registration is not allowed');
      assert.deepEqual(setCookieNames(refused.headers['set-cookie']), []);
      assert.equal(await userCount(), before);
      assert.equal(await gw.deps.store.identities.find(uid, 'hubot'), null);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'REGISTRATION_CLOSED', secrets: [fresh.state] });

      const again = await startFlow(gw, uid);
      const ok = await finishFlow(gw, await authorizeAtGithub(providers.gh, again.authorizeUrl, 'octocat'), again.cookie);
      assert.equal(ok.status, 302);
      assert.equal((await meFromRefreshCookie(gw, ok.headers['set-cookie'])).username, 'octocat');
    });

    test('an archived user cannot sign in through their linked account', async () => {
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh));
      const first = await startFlow(gw, uid);
      assert.equal((await finishFlow(gw, await authorizeAtGithub(providers.gh, first.authorizeUrl, 'octocat'), first.cookie)).status, 302);
      const link = await gw.deps.store.identities.find(uid, 'octocat');
      await gw.deps.store.users.update(link!.userId, { state: 'ARCHIVED' }, gw.clock.now());
      const again = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtGithub(providers.gh, again.authorizeUrl, 'octocat'), again.cookie);
      assert.equal(res.status, 403);
      assert.equal(res.body.message, 'user has been archived with username octocat');
      assert.deepEqual(setCookieNames(res.headers['set-cookie']), []);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'USER_ARCHIVED', secrets: [again.state] });
    });

    test('the same identifier at two providers makes two users', async () => {
      await providers.op.setAccount('octo-oidc', { sub: 'octocat', name: 'OIDC Octocat' });
      const gh = await createIdp(gw, admin, githubIdpBody(providers.gh));
      const op = await createIdp(gw, admin, oidcIdpBody(providers.op));
      const a = await startFlow(gw, gh);
      const resA = await finishFlow(gw, await authorizeAtGithub(providers.gh, a.authorizeUrl, 'octocat'), a.cookie);
      const b = await startFlow(gw, op);
      const resB = await finishFlow(gw, await authorizeAtOidc(gw, b.authorizeUrl, 'octo-oidc'), b.cookie);
      const [meA, meB] = [await meFromRefreshCookie(gw, resA.headers['set-cookie']), await meFromRefreshCookie(gw, resB.headers['set-cookie'])];
      assert.notEqual(meA.name, meB.name);
    });

    test('parallel sign-ins in several tabs of one browser all succeed', async () => {
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op));
      const tab1 = await startFlow(gw, uid, { redirect: '/one' });
      const tab2 = await startFlow(gw, uid, { redirect: '/two', cookie: tab1.cookie });
      const tab3 = await startFlow(gw, uid, { redirect: '/three', cookie: tab1.cookie });
      assert.equal(tab2.cookie, tab1.cookie, 'one browser keeps one binding value');
      const callbacks = await Promise.all([tab1, tab2, tab3].map((t) => authorizeAtOidc(gw, t.authorizeUrl, 'alice')));
      const results = [];
      for (const callback of callbacks.reverse()) results.push(await finishFlow(gw, callback, tab1.cookie));
      assert.deepEqual(results.map((r) => [r.status, r.headers.location]), [[302, '/three'], [302, '/two'], [302, '/one']]);
    });

    test('20 parallel first logins of one identity create exactly one user and one link', async () => {
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op));
      const before = await userCount();
      const flows = [];
      for (let i = 0; i < 20; i++) {
        const flow = await startFlow(gw, uid);
        flows.push({ flow, callback: await authorizeAtOidc(gw, flow.authorizeUrl, 'alice') });
      }
      const results = await Promise.all(flows.map(({ flow, callback }) => finishFlow(gw, callback, flow.cookie)));
      assert.deepEqual(results.map((r) => r.status), Array(20).fill(302));
      assert.equal(await userCount(), before + 1);
      const link = await gw.deps.store.identities.find(uid, 'alice-sub');
      assert.ok(link);
      const names = new Set(await Promise.all(results.slice(0, 3).map(async (r) => (await meFromRefreshCookie(gw, r.headers['set-cookie'])).name)));
      assert.deepEqual([...names], [`users/${link.userId}`]);
    });
  });
}
