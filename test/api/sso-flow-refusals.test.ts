// The browser SSO flow refuses every broken or forged callback before anything is written: replayed, unknown,
// expired or duplicated state, a state from another browser (login CSRF), a code from another provider (mix-up),
// a PKCE or nonce mismatch, and provider errors, whose text never reaches the caller. Each refusal leaves one
// sso.denied audit row (provider uid, reason code, never the code or state). Both storage modes.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { createAdmin, type SignedIn } from '../support/users.js';
import {
  authorizeAtGithub,
  authorizeAtOidc,
  createIdp,
  finishFlow,
  githubIdpBody,
  oidcIdpBody,
  setCookieNames,
  startFlow,
  startProviders,
  TEST_ENV,
  type Providers,
} from '../support/sso.js';
import { expectSsoAudit } from '../support/sso-audit.js';

const FLOW_INVALID = { code: 3, message: 'invalid or expired sign-in state; start the sign-in again', details: [] };

let providers: Providers;
before(async () => {
  providers = await startProviders();
});
after(() => providers.stop());

for (const mode of STORAGE_MODES) {
  describe(`browser SSO flow refusals [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    let oidcUid: string;
    let githubUid: string;
    let usersBefore: number;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: TEST_ENV });
      admin = await createAdmin(gw);
      oidcUid = await createIdp(gw, admin, oidcIdpBody(providers.op));
      githubUid = await createIdp(gw, admin, githubIdpBody(providers.gh));
      usersBefore = await gw.deps.store.users.count();
    });
    afterEach(() => gw.close());

    async function assertNothingCreated(res: { headers: Record<string, unknown> }) {
      assert.deepEqual(setCookieNames(res.headers['set-cookie'] as string[] | undefined), [], 'no session cookie');
      assert.equal(await gw.deps.store.users.count(), usersBefore, 'no user');
      assert.equal(await gw.deps.store.identities.find(oidcUid, 'alice-sub'), null, 'no identity row');
      assert.equal(await gw.deps.store.identities.find(githubUid, 'octocat'), null, 'no identity row');
    }

    test('a replayed callback is refused: the state works exactly once', async () => {
      const flow = await startFlow(gw, oidcUid);
      const callback = await authorizeAtOidc(gw, flow.authorizeUrl, 'alice');
      assert.equal((await finishFlow(gw, callback, flow.cookie)).status, 302);
      const secrets = [callback.searchParams.get('code'), flow.state, flow.cookie];
      await expectSsoAudit(gw, { event: 'sso.signin', provider: oidcUid, step: 'callback', secrets });
      const users = await gw.deps.store.users.count();
      const replay = await finishFlow(gw, callback, flow.cookie);
      assert.equal(replay.status, 400);
      assert.deepEqual(replay.body, FLOW_INVALID);
      assert.deepEqual(setCookieNames(replay.headers['set-cookie']), []);
      assert.equal(await gw.deps.store.users.count(), users);
      // The record is gone: the state names no provider any more.
      await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'FLOW_INVALID', step: 'callback', secrets }, 'replay');
    });

    test('an unknown, malformed or duplicated state is refused', async () => {
      const flow = await startFlow(gw, oidcUid);
      const callback = await authorizeAtOidc(gw, flow.authorizeUrl, 'alice');
      const code = callback.searchParams.get('code')!;
      for (const query of [
        `?code=${code}&state=${'A'.repeat(43)}`,
        `?code=${code}&state=short`,
        `?code=${code}`,
        `?code=${code}&state=${flow.state}&state=${flow.state}`,
      ]) {
        const res = await finishFlow(gw, new URL(`http://x/auth/callback${query}`), flow.cookie);
        assert.equal(res.status, 400, query);
        assert.deepEqual(res.body, FLOW_INVALID);
        await assertNothingCreated(res);
        await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'FLOW_INVALID', secrets: [code, flow.state] }, query);
      }
    });

    test('a callback in a browser that did not start the flow is refused (login CSRF) and burns the state', async () => {
      const flow = await startFlow(gw, oidcUid);
      const callback = await authorizeAtOidc(gw, flow.authorizeUrl, 'alice');
      const other = await startFlow(gw, githubUid);
      assert.notEqual(other.cookie, flow.cookie);
      const foreign = await finishFlow(gw, callback, other.cookie);
      assert.equal(foreign.status, 400);
      assert.deepEqual(foreign.body, FLOW_INVALID);
      await assertNothingCreated(foreign);
      const secrets = [callback.searchParams.get('code'), flow.state, flow.cookie, other.cookie];
      // The record was taken before the binding check: the row names the flow's provider.
      await expectSsoAudit(gw, { event: 'sso.denied', provider: oidcUid, reason: 'FLOW_INVALID', secrets }, 'foreign browser');
      const noCookie = await finishFlow(gw, callback, null);
      assert.equal(noCookie.status, 400);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'FLOW_INVALID', secrets }, 'no cookie');
      const owner = await finishFlow(gw, callback, flow.cookie);
      assert.equal(owner.status, 400, 'the attempt consumed the record');
      await assertNothingCreated(owner);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'FLOW_INVALID', secrets }, 'owner after the attempt');
    });

    test('a flow older than ten minutes is refused', async () => {
      const flow = await startFlow(gw, oidcUid);
      const callback = await authorizeAtOidc(gw, flow.authorizeUrl, 'alice');
      gw.clock.advance(10 * 60 * 1000 + 1000);
      const res = await finishFlow(gw, callback, flow.cookie);
      assert.equal(res.status, 400);
      await assertNothingCreated(res);
      // In-process, the record expired on the gateway's (fake) clock and names no provider any more; Redis keeps
      // time by itself, so there the record is still read, refused by its age, and names its provider.
      const provider = gw.mode === 'embedded' ? '' : oidcUid;
      await expectSsoAudit(gw, { event: 'sso.denied', provider, reason: 'FLOW_INVALID', secrets: [callback.searchParams.get('code'), flow.state] });
    });

    test("a code from another provider presented with this flow's state is refused (mix-up)", async () => {
      const github = await startFlow(gw, githubUid);
      const oidcFlow = await startFlow(gw, oidcUid, { cookie: github.cookie });
      const oidcCallback = await authorizeAtOidc(gw, oidcFlow.authorizeUrl, 'alice');
      // The OIDC code, with the OIDC issuer's `iss`, under the GitHub flow's state.
      const swapped = new URL(oidcCallback);
      swapped.searchParams.set('state', github.state);
      const res = await finishFlow(gw, swapped, github.cookie);
      assert.equal(res.status, 400);
      assert.equal(res.body.message, 'the response of identity provider "GitHub" failed verification');
      await assertNothingCreated(res);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: githubUid, reason: 'RESPONSE_INVALID', secrets: [swapped.searchParams.get('code'), github.state] }, 'mix-up with iss');

      // Without `iss` the GitHub token endpoint itself refuses the foreign code.
      const github2 = await startFlow(gw, githubUid, { cookie: github.cookie });
      const oidcFlow2 = await startFlow(gw, oidcUid, { cookie: github.cookie });
      const bare = new URL('http://x/auth/callback');
      bare.searchParams.set('code', (await authorizeAtOidc(gw, oidcFlow2.authorizeUrl, 'alice')).searchParams.get('code')!);
      bare.searchParams.set('state', github2.state);
      const res2 = await finishFlow(gw, bare, github.cookie);
      assert.equal(res2.status, 400);
      assert.match(res2.body.message, /identity provider "GitHub" rejected the authorization code/);
      await assertNothingCreated(res2);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: githubUid, reason: 'CODE_REJECTED', secrets: [bare.searchParams.get('code'), github2.state] }, 'mix-up without iss');
    });

    test('a code issued for a different PKCE challenge is refused by the provider (code injection)', async () => {
      for (const [uid, authorize] of [
        [oidcUid, (u: URL) => authorizeAtOidc(gw, u, 'alice')],
        [githubUid, (u: URL) => authorizeAtGithub(providers.gh, u, 'octocat')],
      ] as const) {
        const flow = await startFlow(gw, uid);
        const forged = new URL(flow.authorizeUrl);
        forged.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
        const callback = await authorize(forged);
        const res = await finishFlow(gw, callback, flow.cookie);
        assert.equal(res.status, 400, uid);
        assert.match(res.body.message, /rejected the authorization code/);
        await assertNothingCreated(res);
        await expectSsoAudit(gw, { event: 'sso.denied', provider: uid, reason: 'CODE_REJECTED', secrets: [callback.searchParams.get('code'), flow.state] }, uid);
      }
    });

    test('an ID token with another nonce is refused', async () => {
      const flow = await startFlow(gw, oidcUid);
      const forged = new URL(flow.authorizeUrl);
      forged.searchParams.set('nonce', 'nonce-chosen-by-an-attacker');
      const callback = await authorizeAtOidc(gw, forged, 'alice');
      const res = await finishFlow(gw, callback, flow.cookie);
      assert.equal(res.status, 400);
      assert.equal(res.body.message, 'the response of identity provider "Test OIDC" failed verification');
      await assertNothingCreated(res);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: oidcUid, reason: 'RESPONSE_INVALID', secrets: [callback.searchParams.get('code'), flow.state] });
    });

    test("a provider error callback is refused with the gateway's words, never the provider's", async () => {
      const flow = await startFlow(gw, oidcUid);
      const callback = new URL('http://x/auth/callback');
      callback.searchParams.set('error', 'access_denied');
      callback.searchParams.set('error_description', '<script>alert(1)</script> evil text');
      callback.searchParams.set('state', flow.state);
      const json = await finishFlow(gw, callback, flow.cookie);
      assert.equal(json.status, 403);
      assert.doesNotMatch(JSON.stringify(json.body), /script|evil/);
      await assertNothingCreated(json);
      const denied = await expectSsoAudit(gw, { event: 'sso.denied', provider: oidcUid, reason: 'PROVIDER_DENIED', secrets: [flow.state] });
      assert.doesNotMatch(JSON.stringify(denied), /script|evil/, "the provider's text stays out of the audit row too");

      const flow2 = await startFlow(gw, oidcUid, { cookie: flow.cookie });
      callback.searchParams.set('state', flow2.state);
      const page = await finishFlow(gw, callback, flow.cookie, 'text/html,application/xhtml+xml,*/*;q=0.8');
      assert.equal(page.status, 403);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(page.text, /Sign-in was cancelled at Test OIDC\./);
      assert.doesNotMatch(page.text, /script>|evil/);
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
      await expectSsoAudit(gw, { event: 'sso.denied', provider: oidcUid, reason: 'PROVIDER_DENIED', secrets: [flow2.state] }, 'page');
    });

    test('a browser gets an HTML page naming the problem in plain words', async () => {
      const res = await finishFlow(gw, new URL(`http://x/auth/callback?code=x&state=${'B'.repeat(43)}`), null, 'text/html');
      assert.equal(res.status, 400);
      assert.match(res.text, /This sign-in attempt is no longer valid/);
      assert.match(res.text, /href="\/auth"/);
      const row = await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'FLOW_INVALID' });
      const listed = await gw.http.get('/api/v1/audit-logs?event=sso.denied').set(admin.auth);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.auditLogs.map((e: { id: number }) => e.id), [row.id], 'an admin finds the row through the API');
      assert.deepEqual(listed.body.auditLogs[0].detail, { step: 'callback', reason: 'FLOW_INVALID' });
    });

    test("a provider failing after the code exchange is a 502 naming the provider, never repeating its text", async () => {
      const flow = await startFlow(gw, githubUid);
      const callback = await authorizeAtGithub(providers.gh, flow.authorizeUrl, 'hubot');
      const hubot = providers.gh.users.get('hubot')!;
      providers.gh.users.delete('hubot'); // GET /user now answers 401 "Bad credentials"
      try {
        const res = await finishFlow(gw, callback, flow.cookie);
        assert.equal(res.status, 502);
        assert.deepEqual(res.body, { code: 14, message: 'identity provider "GitHub" is unavailable or answered unexpectedly', details: [] });
        assert.doesNotMatch(res.text, /Bad credentials/);
        await assertNothingCreated(res);
        const row = await expectSsoAudit(gw, { event: 'sso.denied', provider: githubUid, reason: 'PROVIDER_UNAVAILABLE', secrets: [callback.searchParams.get('code'), flow.state] });
        assert.doesNotMatch(JSON.stringify(row), /Bad credentials/);
      } finally {
        providers.gh.users.set('hubot', hubot);
      }
    });

    test('an OIDC provider that cannot be reached is a 502 when the flow starts', async () => {
      const dead = await createIdp(gw, admin, oidcIdpBody(providers.op, { title: 'Dead IdP', oauth2: { issuer: 'http://127.0.0.1:1' } }));
      const res = await gw.http.get(`/auth/sso/${dead}`);
      assert.equal(res.status, 502);
      assert.equal(res.body.message, 'identity provider "Dead IdP" is unavailable or answered unexpectedly');
      assert.equal(res.headers['set-cookie'], undefined, 'no binding cookie for a flow that did not start');
      await expectSsoAudit(gw, { event: 'sso.denied', provider: dead, reason: 'PROVIDER_UNAVAILABLE', step: 'start' });
    });

    test('starting at an unknown provider is a 404, and a foreign return URL falls back to /', async () => {
      const res = await gw.http.get('/auth/sso/no-such-provider');
      assert.equal(res.status, 404);
      assert.equal(res.body.message, 'identity provider not found');
      await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'PROVIDER_NOT_FOUND', step: 'start' });
      const flow = await startFlow(gw, oidcUid, { redirect: 'https://evil.example/steal' });
      const done = await finishFlow(gw, await authorizeAtOidc(gw, flow.authorizeUrl, 'alice'), flow.cookie);
      assert.equal(done.status, 302);
      assert.equal(done.headers.location, '/');
      await expectSsoAudit(gw, { event: 'sso.signin', provider: oidcUid, step: 'callback' });
    });
  });
}
