// Self-tests of the SSO fixtures (OIDC provider child process, GitHub fake, headless Chromium) without the gateway.
// Run: node --import tsx --test --test-reporter=spec test/support/sso-fixtures.test.ts
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { launchBrowser, type TestBrowser } from './browser.js';
import { startGithubFake, type GithubFake } from './github-fake.js';
import { followAuthorization, obtainAuthorizationCode, startOidcProvider, type OidcTestProvider } from './oidc-provider.js';

const CLIENT = { client_id: 'gateway', client_secret: 'gateway-secret-0123456789' };
const alice = { sub: 'alice-sub-1', email: 'alice@example.test', email_verified: true, name: 'Alice A', preferred_username: 'alice', picture: 'http://127.0.0.1/a.png' };

let callback: { server: http.Server; uri: string; hits: URL[]; next(): Promise<URL> };
let op: OidcTestProvider;
let browser: TestBrowser | undefined;

before(async () => {
  // A tiny "relying party" callback, started first so its port can be registered with the provider.
  const hits: URL[] = [];
  const waiters: ((u: URL) => void)[] = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (u.pathname === '/callback') { hits.push(u); waiters.shift()?.(u); } // not /favicon.ico
    res.writeHead(200, { 'content-type': 'text/plain' }).end('callback ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  callback = { server, uri, hits, next: () => new Promise((r) => waiters.push(r)) };
  const t0 = performance.now();
  op = await startOidcProvider({ clients: [{ ...CLIENT, redirect_uris: [uri, 'http://127.0.0.1:9/api-flow'] }], accounts: { alice } });
  console.log(`oidc-provider child ready in ${(performance.now() - t0).toFixed(0)} ms at ${op.issuer}`);
});

after(async () => {
  await browser?.close();
  await op?.stop();
  callback?.server.close();
});

async function discover(auth?: client.ClientAuth) {
  return client.discovery(new URL(op.issuer), CLIENT.client_id, CLIENT.client_secret, auth, { execute: [client.allowInsecureRequests] });
}

test('(a) discovery lists S256 and both client_secret methods', async () => {
  const res = await fetch(`${op.issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  const meta = await res.json() as Record<string, unknown>;
  assert.equal(meta.issuer, op.issuer);
  assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  assert.ok((meta.token_endpoint_auth_methods_supported as string[]).includes('client_secret_basic'));
  assert.ok((meta.token_endpoint_auth_methods_supported as string[]).includes('client_secret_post'));
  assert.ok((meta.scopes_supported as string[]).includes('email'));
  assert.equal(typeof meta.userinfo_endpoint, 'string');
});

for (const [name, auth] of [['client_secret_post', client.ClientSecretPost()], ['client_secret_basic', client.ClientSecretBasic()]] as const) {
  test(`(b) openid-client code flow with obtainAuthorizationCode (${name})`, async () => {
    const config = await discover(auth);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const redirectUri = 'http://127.0.0.1:9/api-flow'; // nothing listens there
    const code = await obtainAuthorizationCode(op.issuer, {
      clientId: CLIENT.client_id, redirectUri, login: 'alice', codeChallenge: await client.calculatePKCECodeChallenge(verifier), state, nonce,
    });
    // oidc-provider sends RFC 9207 `iss` and advertises it, so openid-client requires it in the callback URL.
    const current = new URL(`${redirectUri}?${new URLSearchParams({ code, state, iss: op.issuer })}`);
    const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const claims = tokens.claims()!;
    assert.equal(claims.sub, alice.sub);
    assert.equal(claims.nonce, nonce);
    assert.equal(claims.email, undefined, 'scope claims come from /userinfo only (claimsInIdToken: false)');
    const info = await client.fetchUserInfo(config, tokens.access_token, alice.sub);
    assert.deepEqual({ ...info }, alice);
  });
}

test('(b2) buildAuthorizationUrl + followAuthorization; wrong nonce and unknown login are refused', async () => {
  const config = await discover();
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: callback.uri, scope: 'openid email profile', state, nonce: 'nonce-from-test',
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const final = await followAuthorization(url, { redirectUri: callback.uri, login: 'alice' });
  assert.equal(final.searchParams.get('iss'), op.issuer);
  await assert.rejects(
    client.authorizationCodeGrant(config, final, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: 'another-nonce' }),
    (err: Error) => /unexpected ID Token "nonce"/.test(String((err.cause as Error | undefined)?.message)), // top-level message is generic
  );
  await assert.rejects(followAuthorization(url, { redirectUri: callback.uri, login: 'mallory' }), /unknown login "mallory"/);
  await op.setAccount('mallory', { sub: 'mallory-sub' });
  assert.ok((await followAuthorization(url, { redirectUri: callback.uri, login: 'mallory' })).searchParams.get('code'));
  await op.setAccount('mallory', null);
});

test('(c) a wrong PKCE verifier is refused by the provider; missing PKCE is refused', async () => {
  const config = await discover();
  const state = client.randomState();
  const code = await obtainAuthorizationCode(op.issuer, {
    clientId: CLIENT.client_id, redirectUri: callback.uri, login: 'alice', state,
    codeChallenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
  });
  const current = new URL(`${callback.uri}?${new URLSearchParams({ code, state, iss: op.issuer })}`);
  await assert.rejects(
    client.authorizationCodeGrant(config, current, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: state }),
    (err: client.ResponseBodyError) => err.error === 'invalid_grant' && err.status === 400,
  );
  const noPkce = new URL(`${op.issuer}/auth?${new URLSearchParams({ response_type: 'code', client_id: CLIENT.client_id, redirect_uri: callback.uri, scope: 'openid', state: 's' })}`);
  const final = await followAuthorization(noPkce, { redirectUri: callback.uri, login: 'alice' });
  assert.equal(final.searchParams.get('error'), 'invalid_request');
});

test('(d) headless Chromium signs in on the provider page and lands on the loopback callback', async () => {
  browser ??= await launchBrowser();
  const config = await discover();
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: callback.uri, scope: 'openid email profile', state, nonce: client.randomNonce(),
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const page = await browser.newPage();
  const t0 = performance.now();
  const hit = callback.next();
  await page.goto(url.href);
  await page.fill('input[name="login"]', 'alice');
  await page.fill('input[name="password"]', 'whatever');
  await page.click('button[type="submit"]');
  const got = await hit;
  await page.waitForURL((u) => u.href.startsWith(callback.uri));
  console.log(`browser flow (goto authorize -> callback) ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(got.searchParams.get('state'), state);
  assert.match(got.searchParams.get('code') ?? '', /.{20,}/);
  const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: url.searchParams.get('nonce')! });
  assert.equal(tokens.claims()?.sub, alice.sub);
  await page.close();
  assert.deepEqual(browser.blocked, []);
});

test('(e) GitHub fake: browser click, PKCE mismatch, code reuse, numeric /user id', async (t) => {
  const gh: GithubFake = await startGithubFake({
    clients: [{ client_id: 'gh-client', client_secret: 'gh-secret', redirect_uris: [callback.uri] }],
    users: [{ id: 583231, login: 'octocat', name: 'The Octocat', email: null }, { id: 42, login: 'bob', email: 'bob@example.test' }],
  });
  t.after(() => gh.stop());
  const verifier = client.randomPKCECodeVerifier();
  const authorize = (challenge: string, state: string) => `${gh.authUrl}?${new URLSearchParams({
    client_id: 'gh-client', redirect_uri: callback.uri, state, scope: 'read:user user:email', code_challenge: challenge, code_challenge_method: 'S256',
  })}`;
  browser ??= await launchBrowser();
  const page = await browser.newPage();
  const hit = callback.next();
  await page.goto(authorize(await client.calculatePKCECodeChallenge(verifier), 'gh-state'));
  await page.click('#login-octocat');
  const got = await hit;
  assert.equal(got.searchParams.get('state'), 'gh-state');
  const code = got.searchParams.get('code')!;
  await page.close();

  const exchange = (c: string, v: string, basic = false) => fetch(gh.tokenUrl, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', ...(basic ? { authorization: `Basic ${Buffer.from('gh-client:gh-secret').toString('base64')}` } : {}) },
    body: new URLSearchParams({ code: c, code_verifier: v, redirect_uri: callback.uri, ...(basic ? {} : { client_id: 'gh-client', client_secret: 'gh-secret' }) }),
  });
  const ok = await exchange(code, verifier, true);
  assert.equal(ok.status, 200);
  const tok = await ok.json() as { access_token: string; token_type: string; scope: string };
  assert.equal(tok.token_type, 'bearer');
  assert.equal(tok.scope, 'read:user,user:email');
  assert.equal(gh.lastTokenRequest?.clientAuth, 'basic');
  const reuse = await exchange(code, verifier);
  assert.equal(reuse.status, 400);
  assert.equal((await reuse.json() as { error: string }).error, 'bad_verification_code');

  const user = await fetch(gh.userInfoUrl, { headers: { authorization: `token ${tok.access_token}` } });
  assert.equal(user.status, 401, 'reusing the code revoked the token it issued');

  // Direct fetch flow with auto-approve, then a PKCE mismatch.
  gh.autoApprove = 'bob';
  const v2 = client.randomPKCECodeVerifier();
  const loc = async (state: string, v: string) => {
    const r = await fetch(authorize(await client.calculatePKCECodeChallenge(v), state), { redirect: 'manual' });
    assert.equal(r.status, 302);
    return new URL(r.headers.get('location')!);
  };
  const bad = await exchange((await loc('s2', v2)).searchParams.get('code')!, client.randomPKCECodeVerifier());
  assert.equal(bad.status, 400);
  assert.equal((await bad.json() as { error: string }).error, 'bad_verification_code');
  const good = await (await exchange((await loc('s3', v2)).searchParams.get('code')!, v2)).json() as { access_token: string };
  const me = await (await fetch(gh.userInfoUrl, { headers: { authorization: `Bearer ${good.access_token}` } })).json() as Record<string, unknown>;
  assert.equal(me.id, 42);
  assert.equal(typeof me.id, 'number');
  assert.equal(me.login, 'bob');
  assert.equal(me.email, 'bob@example.test');
  assert.match(String(me.avatar_url), /^http:\/\/127\.0\.0\.1:/);
  assert.equal((await fetch(gh.emailsUrl, { headers: { authorization: `Bearer ${good.access_token}` } })).status, 200);
  assert.equal((await exchange('nope', v2)).status, 400);
  assert.deepEqual(browser.blocked, []);
});

test('(e2) GitHub fake errorsWith200: token errors come back as HTTP 200 + {error}, like real GitHub', async (t) => {
  const gh = await startGithubFake({ clients: [{ client_id: 'c', client_secret: 's' }], users: [], errorsWith200: true });
  t.after(() => gh.stop());
  const res = await fetch(gh.tokenUrl, {
    method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'c', client_secret: 's', code: 'unknown', code_verifier: 'x'.repeat(43) }),
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json() as { error: string }).error, 'bad_verification_code');
  const form = await fetch(gh.tokenUrl, { method: 'POST', body: new URLSearchParams({ client_id: 'c', client_secret: 'wrong', code: 'x' }) });
  assert.equal(new URLSearchParams(await form.text()).get('error'), 'incorrect_client_credentials', 'form-encoded without Accept: json');
  assert.equal(gh.lastTokenRequest?.clientAuth, 'body');
});

test('stop() is idempotent and the child process is gone', async () => {
  const extra = await startOidcProvider({ clients: [{ ...CLIENT, redirect_uris: [callback.uri] }], accounts: {} });
  await Promise.all([extra.stop(), extra.stop()]);
  await extra.stop();
  assert.throws(() => process.kill(extra.pid, 0), { code: 'ESRCH' });
});
