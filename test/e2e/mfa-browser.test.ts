// Headless Chromium through the sign-in page's second step: password → the TOTP step (the code computed here
// from the secret, as an authenticator app would) → signed in, back on the page that sent the browser; a wrong
// code keeps the browser out; and an admin held back by the ADMINS policy enrols from the QR page and sees the
// recovery codes once. No session cookie exists before the second factor passes.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parse } from 'cookie';
import type { BrowserContext } from 'playwright-core';
import { findSessionIdOfSsoToken } from '../../src/sessions/session-lifecycle.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { codeFor, enrollTotp } from '../support/mfa.js';
import { freePort } from '../support/services.js';
import { createAdmin, createSignedInUser, type SignedIn } from '../support/users.js';

let browser: TestBrowser;
let gw: TestGateway;
let gatewayServer: http.Server;
let appServer: http.Server;
let gatewayUrl: string;
let appUrl: string;
let admin: SignedIn;

/** An app behind the gateway: it trusts only a live sso_session and otherwise sends you to /auth. */
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
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!DOCTYPE html><title>app</title><h1 id="hello">Hello ${user.username}</h1>`);
    })().catch((err: Error) => res.writeHead(500).end(err.message));
  });
}

async function ssoCookie(context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies(gatewayUrl)).find((c) => c.name === 'sso_session')?.value;
}

before(async () => {
  browser = await launchBrowser();
  // localhost, not 127.0.0.1: the same instance can then also be a WebAuthn relying party.
  const port = await freePort();
  gatewayUrl = `http://localhost:${port}`;
  gw = await startTestGateway('embedded', { env: { GATEWAY_INSTANCE_URL: gatewayUrl, GATEWAY_ALLOWED_REDIRECT_HOSTS: 'localhost' } });
  gatewayServer = http.createServer(gw.app);
  await new Promise<void>((resolve) => gatewayServer.listen(port, '127.0.0.1', resolve));
  appServer = protectedApp();
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  appUrl = `http://localhost:${(appServer.address() as AddressInfo).port}`;
  admin = await createAdmin(gw);
});

after(async () => {
  await browser?.close();
  gatewayServer?.closeAllConnections();
  await new Promise((resolve) => gatewayServer?.close(resolve));
  await new Promise((resolve) => appServer?.close(resolve));
  await gw?.close();
});

describe('second factor in the browser', () => {
  test('password → TOTP step → signed in, back on the protected page; no session cookie before the code', async () => {
    const user = await createSignedInUser(gw);
    const { secret } = await enrollTotp(gw, user);
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${appUrl}/private/report`);
      await page.waitForURL((u) => u.pathname === '/auth');
      await page.fill('#username', user.username);
      await page.fill('#password', user.password);
      await page.click('#signin');
      await page.waitForURL(`${gatewayUrl}/auth/mfa`);
      assert.equal(await ssoCookie(context), undefined, 'no session before the second factor');

      await page.fill('#totp-code', codeFor(gw, secret, 3)); // not a code of this window
      await page.click('#verify');
      await page.waitForURL((u) => u.pathname === '/auth/mfa' && u.searchParams.get('error') === 'invalid_code');
      assert.match(await page.textContent('#error') ?? '', /not correct/);
      assert.equal(await ssoCookie(context), undefined, 'a wrong code signs nobody in');

      await page.fill('#totp-code', codeFor(gw, secret));
      await page.click('#verify');
      await page.waitForURL(`${appUrl}/private/report`);
      assert.equal(await page.textContent('#hello'), `Hello ${user.username}`);
      assert.ok(await ssoCookie(context));
    } finally {
      await context.close();
    }
  });

  test('a recovery code works on the same step', async () => {
    const user = await createSignedInUser(gw);
    const { recoveryCodes } = await enrollTotp(gw, user);
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${gatewayUrl}/auth?redirect=${encodeURIComponent(`${appUrl}/x`)}`);
      await page.fill('#username', user.username);
      await page.fill('#password', user.password);
      await page.click('#signin');
      await page.waitForURL(`${gatewayUrl}/auth/mfa`);
      await page.click('summary');
      await page.fill('#recovery-code', recoveryCodes[0]!);
      await page.click('#verify-recovery');
      await page.waitForURL(`${appUrl}/x`);
      assert.equal(await gw.deps.store.secondFactors.countUnusedRecoveryCodes(user.userId), 9);
    } finally {
      await context.close();
    }
  });

  test('policy ADMINS: the admin is led to enrolment (QR code), confirms a code, sees ten recovery codes once, is signed in', async () => {
    await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send({ generalSetting: { secondFactorRequirement: 'ADMINS' } }).expect(200);
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${appUrl}/console`);
      await page.waitForURL((u) => u.pathname === '/auth');
      await page.fill('#username', admin.username);
      await page.fill('#password', admin.password);
      await page.click('#signin');
      await page.waitForURL(`${gatewayUrl}/auth/mfa/enroll`);
      assert.equal(await ssoCookie(context), undefined, 'no session before enrolment');
      assert.equal(await page.locator('#qr svg').count(), 1, 'QR code as inline SVG');
      const secret = (await page.textContent('#totp-secret'))!.trim();
      await page.fill('#totp-code', codeFor(gw, secret));
      await page.click('#confirm');
      await page.waitForSelector('#recovery-codes');
      assert.equal(await page.locator('#recovery-codes li').count(), 10);
      assert.ok(await ssoCookie(context), 'signed in once enrolled');
      await page.click('#continue');
      await page.waitForURL(`${appUrl}/console`);
      assert.equal(await page.textContent('#hello'), `Hello ${admin.username}`);
    } finally {
      await context.close();
      await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send({ generalSetting: { secondFactorRequirement: 'OPTIONAL' } });
    }
  });
});
