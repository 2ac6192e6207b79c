// Passkeys in headless Chromium with a CDP virtual authenticator (resident key, user verification): a person
// signs in with a password, adds a passkey on the factors page (and sees ten recovery codes once), signs out,
// signs in with the passkey alone from the sign-in page's "Sign in with a passkey", and then, after a password,
// uses the same passkey as the second factor. No session cookie exists before the passkey step passes; the
// session's amr says what was used; the signature counter is stored.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { findSessionIdOfSsoToken } from '../../src/sessions/session-lifecycle.js';
import { findSignInMethods } from '../../src/sessions/sign-in-method.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/services.js';
import { createSignedInUser } from '../support/users.js';
import { addVirtualAuthenticator } from '../support/virtual-authenticator.js';

let browser: TestBrowser;
let gw: TestGateway;
let gatewayServer: http.Server;
let gatewayUrl: string;

async function ssoCookie(context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies(gatewayUrl)).find((c) => c.name === 'sso_session')?.value;
}

async function amrOfBrowser(context: BrowserContext): Promise<string[]> {
  const token = await ssoCookie(context);
  assert.ok(token, 'signed in');
  const sessionId = await findSessionIdOfSsoToken(gw.deps, token);
  assert.ok(sessionId);
  return findSignInMethods(gw.deps, sessionId);
}

/**
 * Chromium's virtual authenticator answers a conditional (autofill) request at once, where a person would pick the
 * passkey from the username field's suggestions; the cases that drive the buttons turn autofill off.
 */
const NO_AUTOFILL = "if (window.PublicKeyCredential) window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;";
/** Notes in sessionStorage how the page asked for a credential (it survives the sign-in's navigation). */
const RECORD_MEDIATION = `(() => {
  const get = navigator.credentials.get.bind(navigator.credentials);
  navigator.credentials.get = (options) => { sessionStorage.setItem('mediation', String(options && options.mediation)); return get(options); };
})();`;

before(async () => {
  browser = await launchBrowser();
  // localhost, not 127.0.0.1: an IP address is not a valid WebAuthn RP ID.
  const port = await freePort();
  gatewayUrl = `http://localhost:${port}`;
  gw = await startTestGateway('embedded', { env: { GATEWAY_INSTANCE_URL: gatewayUrl, GATEWAY_ALLOWED_REDIRECT_HOSTS: 'localhost' } });
  gatewayServer = http.createServer(gw.app);
  await new Promise<void>((resolve) => gatewayServer.listen(port, '127.0.0.1', resolve));
});

after(async () => {
  await browser?.close();
  gatewayServer?.closeAllConnections();
  await new Promise((resolve) => gatewayServer?.close(resolve));
  await gw?.close();
});

describe('passkeys in the browser', () => {
  test('register on the factors page, sign out, sign in with the passkey alone, then use it after a password', async () => {
    const user = await createSignedInUser(gw);
    const context = await browser.newContext();
    await context.addInitScript({ content: NO_AUTOFILL });
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(context, page);
    const cspViolations: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
    try {
      // Password sign-in (no factor yet), straight to the factors page.
      await page.goto(`${gatewayUrl}/auth/factors`);
      await page.waitForURL((u) => u.pathname === '/auth');
      await page.fill('#username', user.username);
      await page.fill('#password', user.password);
      await page.click('#signin');
      await page.waitForURL(`${gatewayUrl}/auth/factors`);
      assert.equal(await page.locator('#no-factors').count(), 1);

      // Register: the first factor comes with ten recovery codes, shown once.
      await page.fill('#passkey-name', 'Work laptop');
      await page.click('#passkey-register');
      await page.waitForSelector('#recovery-codes li');
      assert.equal(await page.locator('#recovery-codes li').count(), 10);
      const stored = await gw.deps.store.passkeys.listByUser(user.userId);
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.name, 'Work laptop');
      const onAuthenticator = await authenticator.credentials();
      assert.equal(onAuthenticator.length, 1);
      assert.equal(onAuthenticator[0]!.isResidentCredential, true, 'a discoverable credential');
      await page.click('#continue');
      await page.waitForSelector('.passkey-name');
      assert.equal(await page.textContent('.passkey-name'), 'Work laptop');

      // Sign out (the browser forgets its cookies), then the passkey alone from the sign-in page.
      await context.clearCookies();
      await page.goto(`${gatewayUrl}/auth?redirect=${encodeURIComponent(`${gatewayUrl}/auth/factors`)}`);
      assert.equal(await ssoCookie(context), undefined);
      await page.click('#passkey-signin');
      await page.waitForURL(`${gatewayUrl}/auth/factors`);
      assert.deepEqual(await amrOfBrowser(context), ['hwk', 'user']);
      const afterSignIn = (await gw.deps.store.passkeys.listByUser(user.userId))[0]!;
      assert.ok(afterSignIn.lastUsedAt, 'last used recorded');
      const counterAfterSignIn = afterSignIn.counter;
      assert.ok(counterAfterSignIn >= 1, `the signature counter is stored (${counterAfterSignIn})`);

      // Sign out again; a password now leads to the second step, where the passkey finishes the sign-in.
      await context.clearCookies();
      await page.goto(`${gatewayUrl}/auth?redirect=${encodeURIComponent(`${gatewayUrl}/auth/factors`)}`);
      await page.fill('#username', user.username);
      await page.fill('#password', user.password);
      await page.click('#signin');
      await page.waitForURL(`${gatewayUrl}/auth/mfa`);
      assert.equal(await ssoCookie(context), undefined, 'no session before the second factor');
      await page.click('#passkey-verify');
      await page.waitForURL(`${gatewayUrl}/auth/factors`);
      assert.deepEqual(await amrOfBrowser(context), ['pwd', 'hwk', 'user', 'mfa']);
      assert.ok((await gw.deps.store.passkeys.listByUser(user.userId))[0]!.counter > counterAfterSignIn, 'the counter moved on');
      assert.deepEqual(cspViolations, [], 'no script was refused by the CSP');

      // The factors page lists the passkey with a remove button; removing it ends the other sessions (the two
      // earlier sign-ins of this test, only forgotten by the browser), not this one.
      assert.ok((await gw.deps.store.sessions.listActiveByUser(user.userId, gw.clock.now())).length >= 3);
      await page.click(`#remove-passkey-${afterSignIn.id}`);
      await page.waitForSelector('#no-factors');
      assert.deepEqual(await gw.deps.store.passkeys.listByUser(user.userId), []);
      const live = await gw.deps.store.sessions.listActiveByUser(user.userId, gw.clock.now());
      const current = await findSessionIdOfSsoToken(gw.deps, (await ssoCookie(context))!);
      assert.deepEqual(live.map((x) => x.id), [current], 'only the session that removed it is left');
    } finally {
      await context.close();
    }
  });

  test('an assertion is accepted once: the same response posted again is refused', async () => {
    const user = await createSignedInUser(gw);
    const context = await browser.newContext();
    await context.addInitScript({ content: NO_AUTOFILL });
    const page = await context.newPage();
    await addVirtualAuthenticator(context, page);
    try {
      await page.goto(`${gatewayUrl}/auth/factors`);
      await page.fill('#username', user.username);
      await page.fill('#password', user.password);
      await page.click('#signin');
      await page.waitForURL(`${gatewayUrl}/auth/factors`);
      await page.click('#passkey-register');
      await page.waitForSelector('#recovery-codes li');
      await context.clearCookies();
      await page.goto(`${gatewayUrl}/auth`);
      // The page's own library, driven by hand so the same response can be sent twice.
      // (A string: tsx would wrap a named function in a helper the page does not have.)
      const statuses = await page.evaluate(`(async () => {
        const post = (url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const { options } = await (await post('/auth/passkey/options', {})).json();
        const response = await window.SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options });
        const first = await post('/auth/passkey', { response });
        const second = await post('/auth/passkey', { response });
        return [first.status, second.status, (await second.json()).message];
      })()`);
      assert.deepEqual(statuses, [200, 401, 'passkey challenge is unknown, used or expired: start again']);
    } finally {
      await context.close();
    }
  });

  test('autofill: the sign-in page asks for a passkey with conditional mediation, and the passkey the browser offers signs in', async () => {
    const user = await createSignedInUser(gw);
    const context = await browser.newContext();
    await context.addInitScript({ content: RECORD_MEDIATION });
    const page = await context.newPage();
    await addVirtualAuthenticator(context, page);
    try {
      // No passkey yet: the sign-in page's autofill request finds nothing to offer; the password signs in.
      await page.goto(`${gatewayUrl}/auth/factors`);
      await page.waitForURL((u) => u.pathname === '/auth');
      await page.fill('#username', user.username);
      await page.fill('#password', user.password);
      await page.click('#signin');
      await page.waitForURL(`${gatewayUrl}/auth/factors`);
      await page.click('#passkey-register');
      await page.waitForSelector('#recovery-codes li');

      // Signed out, back on the sign-in page: nothing is clicked; the passkey the browser offers in the autofill
      // (the virtual authenticator picks it at once) finishes the sign-in and the page goes to its return target.
      await context.clearCookies();
      await page.goto(`${gatewayUrl}/auth?redirect=${encodeURIComponent(`${gatewayUrl}/auth/factors`)}`);
      await page.waitForURL(`${gatewayUrl}/auth/factors`);
      assert.equal(await page.evaluate("sessionStorage.getItem('mediation')"), 'conditional', 'asked with conditional mediation');
      assert.deepEqual(await amrOfBrowser(context), ['hwk', 'user']);
    } finally {
      await context.close();
    }
  });
});
