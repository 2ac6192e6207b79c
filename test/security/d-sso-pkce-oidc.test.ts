// Security catalogue, group D (part 1): the browser SSO flow's PKCE, state, browser binding, replay, code
// injection, mix-up, RFC 9207 `iss`, nonce and IdP error callbacks (cases 33–40, 42, 45), run against the real
// oidc-provider, the GitHub-shaped fake and our own tamperable issuer. Cases 41, 43, 44, 46: d-sso-id-token-outbound.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import type { FlowRecord } from '../../src/sso/flow-record.js';
import { STORAGE_MODES } from '../support/gateway.js';
import { obtainAuthorizationCode } from '../support/oidc-provider.js';
import {
  authorizeAtGithub,
  authorizeAtOidc,
  createIdp,
  GITHUB_CLIENT,
  OIDC_CLIENT,
  setCookieNames,
  startProviders,
  type Providers,
} from '../support/sso.js';
import { dumpDatabase, type CapturingGateway } from '../support/capturing-gateway.js';
import { authorizeAtFake, fakeIdpBody, startFakeOidcIssuer, type FakeOidcIssuer } from '../support/tamperable-oidc-issuer.js';
import { expectSsoAudit } from '../support/sso-audit.js';
import {
  assertRefusedWithoutTrace,
  countAccountRows,
  fakeAuthorization,
  finishFlow,
  signedInUserId,
  startFlow,
  startSsoWorld,
  type SsoWorld,
} from '../support/sso-world.js';

const FLOW_INVALID = { code: 3, message: 'invalid or expired sign-in state; start the sign-in again', details: [] };
const VERIFIER_SHAPE = /^[A-Za-z0-9\-._~]{43,128}$/;
const S256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';

async function readFlowRecord(gw: CapturingGateway, state: string): Promise<FlowRecord | null> {
  const raw = await gw.deps.ephemeral.get(`sso:flow:${state}`);
  return raw === null ? null : (JSON.parse(raw) as FlowRecord);
}

/** The callback URL with one parameter replaced (value) or removed (null). */
function withParam(url: URL, name: string, value: string | null): URL {
  const out = new URL(url);
  if (value === null) out.searchParams.delete(name);
  else out.searchParams.set(name, value);
  return out;
}

let providers: Providers;
let fake: FakeOidcIssuer;
before(async () => {
  [providers, fake] = await Promise.all([startProviders(), startFakeOidcIssuer()]);
});
after(async () => {
  await Promise.all([providers.stop(), fake.stop()]);
});

for (const mode of STORAGE_MODES) {
  describe(`catalogue D: SSO, PKCE, state, OIDC validation [${mode}]`, () => {
    let w: SsoWorld;
    let gw: CapturingGateway;
    beforeEach(async () => {
      fake.reset();
      w = await startSsoWorld(mode, providers, fake);
      gw = w.gw;
    });
    afterEach(() => gw.close());

    test('D33 authorization URLs ask for a code with PKCE S256 (a fresh 43-char challenge of a 256-bit verifier); a provider without S256 is refused, never downgraded to plain', async () => {
      for (const uid of [w.oidcUid, w.githubUid, w.fakeUid]) {
        const flows = [await startFlow(gw, uid), await startFlow(gw, uid)];
        for (const flow of flows) {
          const q = flow.authorizeUrl.searchParams;
          assert.equal(q.get('response_type'), 'code', uid);
          assert.equal(q.get('code_challenge_method'), 'S256', `${uid}: explicit S256 (absent means plain)`);
          const record = await readFlowRecord(gw, flow.state);
          assert.ok(record, uid);
          assert.match(record.codeVerifier, VERIFIER_SHAPE);
          assert.equal(Buffer.from(record.codeVerifier, 'base64url').length, 32, '256 bits from the CSPRNG');
          assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
          assert.equal(q.get('code_challenge'), S256(record.codeVerifier), 'challenge = BASE64URL(SHA256(verifier))');
        }
        assert.notEqual(flows[0]!.authorizeUrl.searchParams.get('code_challenge'), flows[1]!.authorizeUrl.searchParams.get('code_challenge'), 'fresh per flow');
      }

      fake.metadata = { code_challenge_methods_supported: ['plain'] };
      const plainOnly = await createIdp(gw, w.admin, fakeIdpBody(fake, { title: 'Plain only' }), 'plain-only');
      const refused = await gw.http.get(`/auth/sso/${plainOnly}`);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.message, 'the response of identity provider "Plain only" failed verification');
      assert.equal(refused.headers.location, undefined);
      assert.equal(refused.headers['set-cookie'], undefined);
      assert.equal(fake.hits.authorize, 0, 'the browser was never sent to the provider');
      await expectSsoAudit(gw, { event: 'sso.denied', provider: plainOnly, reason: 'RESPONSE_INVALID', step: 'start' });

      fake.metadata = { code_challenge_methods_supported: undefined };
      const silent = await createIdp(gw, w.admin, fakeIdpBody(fake, { title: 'Silent' }), 'silent');
      const flow = await startFlow(gw, silent);
      assert.equal(flow.authorizeUrl.searchParams.get('code_challenge_method'), 'S256', 'metadata without the field still gets S256');
    });

    test('D34 the PKCE verifier lives only in the flow record and the token request: never in the URL, cookies, logs, database or error pages, and it is gone after the callback', async () => {
      const seen: string[] = [];
      const texts: string[] = [];
      // Success through the GitHub fake (which shows the verifier arrived at its token endpoint).
      const flow = await startFlow(gw, w.githubUid, { redirect: '/apps/wiki' });
      const verifier = (await readFlowRecord(gw, flow.state))!.codeVerifier;
      seen.push(verifier);
      texts.push(flow.authorizeUrl.href, flow.cookie);
      const ok = await finishFlow(gw, await authorizeAtGithub(providers.gh, flow.authorizeUrl, 'octocat'), flow.cookie);
      assert.equal(ok.status, 302);
      assert.equal(providers.gh.lastTokenRequest?.params.code_verifier, verifier, 'sent with the token request');
      texts.push(JSON.stringify(ok.headers), ok.text);
      assert.equal(await readFlowRecord(gw, flow.state), null, 'deleted after use');

      // Refusal: the provider rejects the code, as JSON and as a page.
      fake.intercept.token = (_req, res) => void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
      for (const accept of ['application/json', HTML]) {
        const { flow: failing, callback } = await fakeAuthorization(gw, w.fakeUid);
        const failingVerifier = (await readFlowRecord(gw, failing.state))!.codeVerifier;
        seen.push(failingVerifier);
        const res = await finishFlow(gw, callback, failing.cookie, accept);
        assert.equal(res.status, 400);
        await expectSsoAudit(gw, { event: 'sso.denied', provider: w.fakeUid, reason: 'CODE_REJECTED', secrets: [failingVerifier, failing.state, callback.searchParams.get('code')] }, accept);
        texts.push(failing.authorizeUrl.href, failing.cookie, JSON.stringify(res.headers), res.text);
        assert.equal(await readFlowRecord(gw, failing.state), null, 'deleted after a refusal too');
      }
      texts.push(gw.logs(), await dumpDatabase(gw.storage));
      for (const v of seen) for (const text of texts) assert.ok(!text.includes(v), 'verifier leaked');
      assert.match(gw.logs(), /sso_started/, 'the logs were captured');
    });

    test('D35 state is 256-bit random and single use, lives at most ten minutes, and is bound to the starting browser by a hashed HttpOnly cookie', async () => {
      const states = new Set<string>();
      for (let i = 0; i < 20; i++) states.add((await startFlow(gw, w.fakeUid)).state);
      assert.equal(states.size, 20);
      for (const state of states) assert.match(state, /^[A-Za-z0-9_-]{43}$/, '43 base64url chars = 256 bits');

      const start = await gw.http.get(`/auth/sso/${w.fakeUid}`);
      const line = (start.headers['set-cookie'] as unknown as string[]).find((l) => l.startsWith('sso_flow='))!;
      assert.match(line, /; HttpOnly/i);
      assert.match(line, /; SameSite=Lax/i);
      assert.match(line, /; Path=\/auth(;|$)/);
      assert.match(line, /; Max-Age=600(;|$)/);
      const value = line.split(';')[0]!.slice('sso_flow='.length);
      const record = (await readFlowRecord(gw, new URL(start.headers.location as string).searchParams.get('state')!))!;
      assert.equal(record.binding, createHash('sha256').update(value).digest('hex'), 'only the hash is stored');
      assert.ok(!JSON.stringify(record).includes(value));

      const inTime = await fakeAuthorization(gw, w.fakeUid);
      const late = await fakeAuthorization(gw, w.fakeUid, { cookie: inTime.flow.cookie });
      gw.clock.advance(9 * 60 * 1000 + 50 * 1000);
      assert.equal((await finishFlow(gw, inTime.callback, inTime.flow.cookie)).status, 302, 'accepted at 9 min 50 s');
      gw.clock.advance(20 * 1000);
      const expired = await finishFlow(gw, late.callback, late.flow.cookie);
      assert.deepEqual(expired.body, FLOW_INVALID, 'refused after 10 min 10 s');

      const other = await fakeAuthorization(gw, w.fakeUid);
      const stranger = await startFlow(gw, w.githubUid);
      const rows = await countAccountRows(gw);
      await assertRefusedWithoutTrace(gw, await finishFlow(gw, other.callback, stranger.cookie), 400, rows, 'another browser', { provider: w.fakeUid, reason: 'FLOW_INVALID', secrets: [other.flow.state] });
      await assertRefusedWithoutTrace(gw, await finishFlow(gw, other.callback, other.flow.cookie), 400, rows, 'the state was used up', { provider: '', reason: 'FLOW_INVALID', secrets: [other.flow.state] });
    });

    test("D36 login CSRF: a callback URL from a flow the attacker started with their own account is refused in the victim's browser", async () => {
      for (const [uid, authorize] of [
        [w.githubUid, (u: URL) => authorizeAtGithub(providers.gh, u, 'hubot')],
        [w.oidcUid, (u: URL) => authorizeAtOidc(gw, u, 'bob')],
      ] as const) {
        const attacker = await startFlow(gw, uid);
        const lure = await authorize(attacker.authorizeUrl);
        const victim = await startFlow(gw, w.fakeUid); // the victim's browser has its own binding cookie
        const before = await countAccountRows(gw);
        await assertRefusedWithoutTrace(gw, await finishFlow(gw, lure, victim.cookie), 400, before, `${uid}: victim with a cookie`, { provider: uid, reason: 'FLOW_INVALID', secrets: [lure.searchParams.get('code'), attacker.state] });
        const fresh = await authorize((await startFlow(gw, uid)).authorizeUrl);
        await assertRefusedWithoutTrace(gw, await finishFlow(gw, fresh, null), 400, before, `${uid}: victim without a cookie`, { provider: uid, reason: 'FLOW_INVALID', secrets: [fresh.searchParams.get('code')] });
      }
    });

    test('D37 replayed, racing and malformed callbacks are refused; other pending flows are unaffected', async () => {
      const pending = await fakeAuthorization(gw, w.fakeUid); // another person's browser, mid-flow
      const { flow, callback } = await fakeAuthorization(gw, w.fakeUid);
      const before = await countAccountRows(gw);
      const raced = await Promise.all([finishFlow(gw, callback, flow.cookie), finishFlow(gw, callback, flow.cookie)]);
      assert.deepEqual(raced.map((r) => r.status).sort(), [302, 400], 'exactly one of two concurrent callbacks proceeds');
      assert.equal((await countAccountRows(gw)).user, before.user + 1);
      const after = await countAccountRows(gw);
      await assertRefusedWithoutTrace(gw, await finishFlow(gw, callback, flow.cookie), 400, after, 'replay', { provider: '', reason: 'FLOW_INVALID', secrets: [flow.state, callback.searchParams.get('code')] });

      const next = await fakeAuthorization(gw, w.fakeUid, { cookie: pending.flow.cookie });
      const state = next.flow.state;
      const changed = `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`;
      const code = next.callback.searchParams.get('code')!;
      const variants: [string, string][] = [
        ['missing', `?code=${code}`],
        ['unknown', `?code=${code}&state=${'C'.repeat(43)}`],
        ['one char changed', `?code=${code}&state=${changed}`],
        ['duplicated', `?code=${code}&state=${state}&state=${state}`],
        ['array', `?code=${code}&state[]=${state}`],
        ['empty', `?code=${code}&state=`],
      ];
      for (const [what, query] of variants) {
        const res = await finishFlow(gw, new URL(`http://x/auth/callback${query}`), next.flow.cookie);
        assert.deepEqual(res.body, FLOW_INVALID, what);
        await assertRefusedWithoutTrace(gw, res, 400, after, what, { provider: '', reason: 'FLOW_INVALID', secrets: [state, code] });
      }
      const expiring = await fakeAuthorization(gw, w.fakeUid, { cookie: pending.flow.cookie });
      gw.clock.advance(10 * 60 * 1000 + 1000);
      await assertRefusedWithoutTrace(gw, await finishFlow(gw, expiring.callback, expiring.flow.cookie), 400, after, 'expired', { provider: gw.mode === 'embedded' ? '' : w.fakeUid, reason: 'FLOW_INVALID', secrets: [expiring.flow.state] });
      gw.clock.advance(-(10 * 60 * 1000 + 1000));

      assert.equal((await finishFlow(gw, pending.callback, pending.flow.cookie)).status, 302, 'the pending flow still works');
      assert.equal((await finishFlow(gw, next.callback, next.flow.cookie)).status, 302, 'so does the one the variants aimed at');
    });

    test("D38 code injection: a code minted for the attacker's own PKCE verifier, sent with the victim's state and cookie, is refused by the token endpoint", async () => {
      const redirectUri = `${gw.deps.config.instanceUrl}/auth/callback`;
      const attackerVerifier = oidc.randomPKCECodeVerifier();
      const challenge = await oidc.calculatePKCECodeChallenge(attackerVerifier);
      const oidcCode = await obtainAuthorizationCode(providers.op.issuer, {
        clientId: OIDC_CLIENT.client_id, redirectUri, login: 'bob', state: 'attacker-state', codeChallenge: challenge,
      });
      const ghAuthorize = new URL(providers.gh.authUrl);
      for (const [k, v] of Object.entries({ client_id: GITHUB_CLIENT.client_id, redirect_uri: redirectUri, state: 'attacker-state', code_challenge: challenge, code_challenge_method: 'S256' })) {
        ghAuthorize.searchParams.set(k, v);
      }
      const ghCode = (await authorizeAtGithub(providers.gh, ghAuthorize, 'hubot')).searchParams.get('code')!;

      for (const [uid, code, iss] of [[w.oidcUid, oidcCode, providers.op.issuer], [w.githubUid, ghCode, null]] as const) {
        const victim = await startFlow(gw, uid);
        const injected = new URL('http://x/auth/callback');
        injected.searchParams.set('code', code);
        injected.searchParams.set('state', victim.state);
        if (iss) injected.searchParams.set('iss', iss);
        const before = await countAccountRows(gw);
        const res = await finishFlow(gw, injected, victim.cookie);
        await assertRefusedWithoutTrace(gw, res, 400, before, uid, { provider: uid, reason: 'CODE_REJECTED', secrets: [code, victim.state] });
        assert.match(res.body.message, /rejected the authorization code/);
      }
    });

    test('D39 mix-up: a state from one provider with another provider\'s code or issuer is refused; the flow record names its provider', async () => {
      assert.equal((await readFlowRecord(gw, (await startFlow(gw, w.githubUid)).state))?.idp, w.githubUid);
      const fakeFlow = await startFlow(gw, w.fakeUid);
      assert.equal((await readFlowRecord(gw, fakeFlow.state))?.idp, w.fakeUid);

      // OpenID Connect to OpenID Connect: the real provider's code and iss under the fake issuer's state.
      const opFlow = await startFlow(gw, w.oidcUid, { cookie: fakeFlow.cookie });
      const opCallback = await authorizeAtOidc(gw, opFlow.authorizeUrl, 'alice');
      const before = await countAccountRows(gw);
      const swapped = withParam(opCallback, 'state', fakeFlow.state);
      const res = await finishFlow(gw, swapped, fakeFlow.cookie);
      await assertRefusedWithoutTrace(gw, res, 400, before, 'foreign iss', { provider: w.fakeUid, reason: 'RESPONSE_INVALID', secrets: [fakeFlow.state] });
      assert.equal(res.body.message, 'the response of identity provider "Fake OIDC" failed verification');
      assert.equal(fake.hits.token, 0, 'refused before the code went anywhere');

      // The same code claiming to come from the expected issuer: the fake's token endpoint does not know it.
      const second = await startFlow(gw, w.fakeUid, { cookie: fakeFlow.cookie });
      const disguised = withParam(withParam(opCallback, 'state', second.state), 'iss', fake.issuer);
      await assertRefusedWithoutTrace(gw, await finishFlow(gw, disguised, fakeFlow.cookie), 400, before, 'disguised iss', { provider: w.fakeUid, reason: 'CODE_REJECTED', secrets: [second.state, opCallback.searchParams.get('code')] });

      // GitHub's state with the OpenID provider's code and iss.
      const gh = await startFlow(gw, w.githubUid, { cookie: fakeFlow.cookie });
      await assertRefusedWithoutTrace(gw, await finishFlow(gw, withParam(opCallback, 'state', gh.state), fakeFlow.cookie), 400, before, 'GitHub state', { provider: w.githubUid, reason: 'RESPONSE_INVALID', secrets: [gh.state] });

      // The callback path names no provider, so there is nothing to swap there.
      assert.equal((await gw.http.get(`/auth/callback/${w.oidcUid}${opCallback.search}`).set('Cookie', fakeFlow.cookie)).status, 404);
    });

    test('D40 RFC 9207: from a provider that advertises iss, a wrong or missing iss is refused; from others, an iss that is present must be theirs', async () => {
      const metadata = (await (await fetch(`${providers.op.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      assert.equal(metadata.authorization_response_iss_parameter_supported, true, 'the real provider advertises iss');
      const before = await countAccountRows(gw);
      for (const [what, iss] of [['wrong', 'https://evil.example'], ['missing', null], ['trailing slash', `${providers.op.issuer}/`]] as const) {
        const flow = await startFlow(gw, w.oidcUid);
        const callback = await authorizeAtOidc(gw, flow.authorizeUrl, 'alice');
        assert.equal(callback.searchParams.get('iss'), providers.op.issuer);
        const res = await finishFlow(gw, withParam(callback, 'iss', iss), flow.cookie);
        await assertRefusedWithoutTrace(gw, res, 400, before, `${what} iss`, { provider: w.oidcUid, reason: 'RESPONSE_INVALID', secrets: [flow.state, callback.searchParams.get('code')] });
      }
      const control = await startFlow(gw, w.oidcUid);
      assert.equal((await finishFlow(gw, await authorizeAtOidc(gw, control.authorizeUrl, 'alice'), control.cookie)).status, 302);

      // An OpenID provider that does not advertise iss (discovered fresh for this gateway).
      fake.metadata = { authorization_response_iss_parameter_supported: false };
      const rows = await countAccountRows(gw);
      const quiet = await fakeAuthorization(gw, w.fakeUid);
      assert.equal(quiet.callback.searchParams.has('iss'), false);
      await assertRefusedWithoutTrace(gw, await finishFlow(gw, withParam(quiet.callback, 'iss', providers.op.issuer), quiet.flow.cookie), 400, rows, 'foreign iss', { provider: w.fakeUid, reason: 'RESPONSE_INVALID', secrets: [quiet.flow.state] });
      const bare = await fakeAuthorization(gw, w.fakeUid);
      assert.equal((await finishFlow(gw, bare.callback, bare.flow.cookie)).status, 302, 'no iss is fine where none is advertised');

      // Plain OAuth2 (GitHub): an iss, when present, must be the provider's own origin.
      const after = await countAccountRows(gw);
      const gh = await startFlow(gw, w.githubUid);
      const ghCallback = await authorizeAtGithub(providers.gh, gh.authorizeUrl, 'octocat');
      await assertRefusedWithoutTrace(gw, await finishFlow(gw, withParam(ghCallback, 'iss', fake.issuer), gh.cookie), 400, after, 'GitHub foreign iss', { provider: w.githubUid, reason: 'RESPONSE_INVALID', secrets: [gh.state, ghCallback.searchParams.get('code')] });
      const gh2 = await startFlow(gw, w.githubUid);
      const own = withParam(await authorizeAtGithub(providers.gh, gh2.authorizeUrl, 'octocat'), 'iss', providers.gh.baseUrl);
      assert.equal((await finishFlow(gw, own, gh2.cookie)).status, 302);
    });

    test('D42 every OIDC authorization carries a fresh nonce kept with the state; it is used once and checked on the ID token before any token is used', async () => {
      const a = await startFlow(gw, w.fakeUid);
      const b = await startFlow(gw, w.fakeUid, { cookie: a.cookie });
      const nonceA = a.authorizeUrl.searchParams.get('nonce');
      assert.match(nonceA ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(nonceA, b.authorizeUrl.searchParams.get('nonce'));
      assert.equal((await readFlowRecord(gw, a.state))?.nonce, nonceA, 'stored with the state');
      assert.equal((await startFlow(gw, w.oidcUid)).authorizeUrl.searchParams.has('nonce'), true, 'the real provider gets one too');
      const gh = await startFlow(gw, w.githubUid);
      assert.equal((await readFlowRecord(gw, gh.state))?.nonce, null, 'plain OAuth2 has no ID token to check');

      assert.equal((await finishFlow(gw, await authorizeAtFake(a.authorizeUrl), a.cookie)).status, 302);
      assert.equal(await readFlowRecord(gw, a.state), null, 'the nonce went with the record');
      const before = await countAccountRows(gw);
      fake.hits.userinfo = 0;
      // An ID token carrying the nonce of the flow that already finished, or none at all.
      for (const [what, nonce] of [['used nonce', nonceA], ['no nonce', undefined], ['other nonce', 'n-0123456789']] as const) {
        fake.idToken = (parts) => fake.sign({ ...parts, payload: { ...parts.payload, nonce } });
        const next = await fakeAuthorization(gw, w.fakeUid, { cookie: a.cookie });
        const res = await finishFlow(gw, next.callback, next.flow.cookie);
        await assertRefusedWithoutTrace(gw, res, 400, before, what, { provider: w.fakeUid, reason: 'RESPONSE_INVALID', secrets: [next.flow.state] });
        assert.equal(res.body.message, 'the response of identity provider "Fake OIDC" failed verification');
      }
      assert.equal(fake.hits.userinfo, 0, 'the access token was never used');
    });

    test('D45 an IdP error callback gets a friendly escaped page and consumes the state; callback replies keep the code out of Location and Referer', async () => {
      const flow = await startFlow(gw, w.fakeUid, { redirect: '/apps/wiki' });
      const error = new URL('http://x/auth/callback');
      error.searchParams.set('error', 'access_denied');
      error.searchParams.set('error_description', '<script>alert(document.cookie)</script><img src=x onerror=alert(1)>');
      error.searchParams.set('state', flow.state);
      const before = await countAccountRows(gw);
      const page = await finishFlow(gw, error, flow.cookie, HTML);
      await assertRefusedWithoutTrace(gw, page, 403, before, 'error callback', { provider: w.fakeUid, reason: 'PROVIDER_DENIED', secrets: [flow.state] });
      assert.match(page.text, /Sign-in was cancelled at Fake OIDC\./);
      assert.doesNotMatch(page.text, /<script|onerror|alert\(/);
      assert.match(page.text, /href="\/auth\?redirect=%2Fapps%2Fwiki"/, 'a way back that keeps the destination');
      assert.equal(page.headers['referrer-policy'], 'same-origin', 'the code-bearing URL never reaches another origin');
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/, 'and the page loads nothing from elsewhere');
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.equal(await readFlowRecord(gw, flow.state), null, 'state consumed');
      const retry = await finishFlow(gw, withParam(withParam(error, 'error', null), 'code', 'some-code'), flow.cookie);
      assert.deepEqual(retry.body, FLOW_INVALID);

      const ok = await fakeAuthorization(gw, w.fakeUid, { cookie: flow.cookie, redirect: '/apps/wiki' });
      const done = await finishFlow(gw, ok.callback, ok.flow.cookie);
      assert.equal(done.status, 302);
      assert.equal(done.headers.location, '/apps/wiki', 'a clean URL: no code, no state');
      assert.equal(done.headers['referrer-policy'], 'no-referrer');
      assert.equal(done.headers['cache-control'], 'no-store');
      assert.deepEqual(setCookieNames(done.headers['set-cookie']).sort(), ['memos_refresh', 'sso_session']);
      assert.ok((await signedInUserId(gw, done)) > 0);
    });
  });
}
