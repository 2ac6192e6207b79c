// Headless Chromium through the whole browser sign-in: a protected page on another loopback port sends the
// browser to the gateway's /auth page, the person clicks a provider button (the real OIDC provider process, or
// the GitHub-shaped fake), signs in there, and lands back on the protected page signed in, with a freshly
// registered account. Also the page's password form, and a CSP that the pages themselves never violate.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parse } from 'cookie';
import type { Page } from 'playwright-core';
import { findSessionIdOfSsoToken } from '../../src/sessions/session-lifecycle.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectSsoAudit } from '../support/sso-audit.js';
import { createAdmin, createUser } from '../support/users.js';
import { freePort } from '../support/services.js';
import { createIdp, githubIdpBody, oidcIdpBody, startProviders, type Providers } from '../support/sso.js';

let providers: Providers;
let browser: TestBrowser;
let gw: TestGateway;
let gatewayServer: http.Server;
let appServer: http.Server;
let gatewayUrl: string;
let appUrl: string;
let oidcUid: string;
let githubUid: string;

/** A stand-in for an app behind the gateway: it trusts only a live sso_session and otherwise sends you to /auth. */
function protectedApp(): http.Server {
  return http.createServer((req, res) => {
    void (async () => {
      const token = parse(req.headers.cookie ?? '').sso_session;
      const sessionId = token ? await findSessionIdOfSsoToken(gw.deps, token) : null;
      const session = sessionId ? await gw.deps.store.sessions.findById(sessionId) : null;
      const user = session ? await gw.deps.store.users.findById(session.userId) : null;
      if (!user) {
        const back = new URL('/auth', gatewayUrl);
        back.searchParams.set('redirect', `${appUrl}${req.url}`);
        res.writeHead(302, { location: back.href }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!DOCTYPE html><title>app</title><h1 id="hello">Hello ${user.username}</h1>`);
    })().catch((err: Error) => res.writeHead(500).end(err.message));
  });
}

before(async () => {
  providers = await startProviders();
  browser = await launchBrowser();
  // The instance URL must name the port the browser will come back to, so the port is chosen first.
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  gw = await startTestGateway('embedded', { env: { GATEWAY_INSTANCE_URL: gatewayUrl, GATEWAY_ALLOWED_REDIRECT_HOSTS: '127.0.0.1' } });
  gatewayServer = http.createServer(gw.listener);
  await new Promise<void>((resolve) => gatewayServer.listen(port, '127.0.0.1', resolve));
  appServer = protectedApp();
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  const admin = await createAdmin(gw);
  oidcUid = await createIdp(gw, admin, oidcIdpBody(providers.op, { title: 'Corporate SSO' }), 'corp');
  githubUid = await createIdp(gw, admin, githubIdpBody(providers.gh), 'github');
});

after(async () => {
  await browser?.close();
  appServer?.closeAllConnections();
  gatewayServer?.closeAllConnections();
  await Promise.all([
    new Promise((resolve) => appServer?.close(resolve)),
    new Promise((resolve) => gatewayServer?.close(resolve)),
  ]);
  await gw?.close();
  await providers?.stop();
});

/** CSP reports in the console, so a test can assert the pages break none of their own rules. */
function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  return violations;
}

async function meFromBrowserCookies(page: Page) {
  const cookies = await page.context().cookies(`${gatewayUrl}/api/v1/auth/refresh`);
  const refresh = cookies.find((c) => c.name === 'memos_refresh');
  assert.ok(refresh, 'the browser holds the refresh cookie');
  const rotated = await gw.http.post('/api/v1/auth/refresh').set('Cookie', `memos_refresh=${refresh.value}`);
  assert.equal(rotated.status, 200);
  const me = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${rotated.body.accessToken}`);
  return me.body.user as { username: string; role: string; email: string };
}

describe('browser sign-in through the gateway (Chromium) [embedded]', () => {
  test('OIDC: protected page → sign-in page → provider → back on the protected page, auto-registered', async () => {
    const page = await browser.newPage();
    const csp = watchCsp(page);
    const users = await gw.deps.store.users.count();
    await page.goto(`${appUrl}/private/report?year=2026`);
    assert.equal(new URL(page.url()).origin, gatewayUrl);
    assert.equal(new URL(page.url()).pathname, '/auth');
    assert.equal(await page.textContent(`#sso-${oidcUid}`), 'Continue with Corporate SSO');

    await page.click(`#sso-${oidcUid}`);
    await page.waitForURL((u) => u.href.startsWith(providers.op.issuer));
    await page.fill('input[name="login"]', 'alice');
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');

    await page.waitForURL(`${appUrl}/private/report?year=2026`);
    assert.equal(await page.textContent('#hello'), 'Hello alice-sub');
    assert.equal(await gw.deps.store.users.count(), users + 1, 'the user was registered on first sign-in');
    const me = await meFromBrowserCookies(page);
    assert.deepEqual([me.username, me.role, me.email], ['alice-sub', 'USER', 'alice@corp.example']);
    const cookies = (await page.context().cookies()).map((c) => c.value);
    const row = await expectSsoAudit(gw, { event: 'sso.signin', provider: oidcUid, step: 'callback', secrets: cookies });
    assert.equal(row.userAgent, await page.evaluate<string>('navigator.userAgent'), "the row records the browser's user agent");
    assert.deepEqual(csp, []);
    await page.close();
  });

  test('GitHub: the same journey with the plain OAuth2 provider', async () => {
    const page = await browser.newPage();
    await page.goto(`${appUrl}/private`);
    await page.click(`#sso-${githubUid}`);
    await page.waitForURL((u) => u.href.startsWith(providers.gh.baseUrl));
    await page.click('#login-octocat');
    await page.waitForURL(`${appUrl}/private`);
    assert.equal(await page.textContent('#hello'), 'Hello octocat');
    assert.ok(await gw.deps.store.identities.find(githubUid, 'octocat'));
    const me = await meFromBrowserCookies(page);
    assert.equal(me.username, 'octocat');
    await expectSsoAudit(gw, { event: 'sso.signin', provider: githubUid, step: 'callback', secrets: (await page.context().cookies()).map((c) => c.value) });
    await page.close();
  });

  test('two tabs of one browser signing in at the same time both arrive', async () => {
    const context = await browser.newContext();
    try {
      const [one, two] = await Promise.all([context.newPage(), context.newPage()]);
      await one.goto(`${appUrl}/tab-one`);
      await two.goto(`${appUrl}/tab-two`);
      await one.click(`#sso-${oidcUid}`);
      await two.click(`#sso-${githubUid}`);
      await one.waitForURL((u) => u.href.startsWith(providers.op.issuer));
      await two.click('#login-hubot');
      await two.waitForURL(`${appUrl}/tab-two`);
      await one.fill('input[name="login"]', 'bob');
      await one.click('button[type="submit"]');
      await one.waitForURL(`${appUrl}/tab-one`);
      // Both tabs share the cookie jar: the later sign-in's session is the one the app sees now.
      assert.equal(await one.textContent('#hello'), 'Hello bob-sub');
      assert.ok(await gw.deps.store.identities.find(githubUid, 'hubot'), 'the other tab signed in as well');
    } finally {
      await context.close();
    }
  });

  test("the sign-in page's password form signs in and returns to the protected page on another origin", async () => {
    const local = await createUser(gw, { username: 'carol', password: 'carol password 123' });
    const page = await browser.newPage();
    const csp = watchCsp(page);
    await page.goto(`${appUrl}/notes`);
    await page.fill('#username', local.username);
    await page.fill('#password', 'wrong password');
    await page.click('#signin');
    await page.waitForURL((u) => u.pathname === '/auth' && u.searchParams.get('error') === 'invalid_credentials');
    assert.equal(await page.textContent('#error'), 'The username or password is not correct.');
    await page.fill('#username', local.username);
    await page.fill('#password', local.password);
    await page.click('#signin');
    await page.waitForURL(`${appUrl}/notes`);
    assert.equal(await page.textContent('#hello'), 'Hello carol');
    assert.deepEqual(csp, [], 'form-action allows the return host');
    await page.close();
  });

  test('the sign-in page loads nothing from outside the loopback interface, on its own (not relying on earlier tests)', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const blockedBefore = browser.blocked.length;
    await page.goto(`${gatewayUrl}/auth?redirect=${encodeURIComponent(`${appUrl}/notes`)}`);
    await page.waitForLoadState('networkidle');
    await page.close();
    // Positive control: the page and its stylesheet were requested (and seen by the listener).
    assert.ok(requested.some((url) => url.startsWith(`${gatewayUrl}/auth?`)), requested.join(' '));
    assert.ok(requested.some((url) => url.endsWith('/auth/assets/gateway.css')), requested.join(' '));
    assert.deepEqual(requested.filter((url) => !url.startsWith(`${gatewayUrl}/`)), [], 'every request goes to the gateway itself');
    assert.deepEqual(browser.blocked.slice(blockedBefore), [], 'nothing was blocked for leaving loopback');
  });

  test('across all the flows above, no page loaded anything from outside the loopback interface', () => {
    assert.deepEqual(browser.blocked, []);
  });
});
