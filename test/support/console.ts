// Shared pieces of the console tests (test/e2e/console-*.test.ts): a gateway listening on the port its instance
// URL names, headless Chromium, the GitHub-shaped fake, signing in through the pages, and screenshots into the
// git-ignored test-artifacts/console/ folder.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from './browser.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import { startGithubFake, type GithubFake } from './github-fake.js';
import { freePort } from './services.js';
import { GITHUB_CLIENT, GITHUB_USERS } from './sso.js';

export const ARTIFACTS_DIR = new URL('../../test-artifacts/console/', import.meta.url);

export interface ConsoleWorld {
  gw: TestGateway;
  url: string;
  browser: TestBrowser;
  gh: GithubFake;
  stop(): Promise<void>;
}

export async function startConsoleWorld(): Promise<ConsoleWorld> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [gw, browser, gh] = await Promise.all([
    startTestGateway('embedded', { env: { GATEWAY_INSTANCE_URL: url, GATEWAY_ALLOWED_REDIRECT_HOSTS: '127.0.0.1' } }),
    launchBrowser(),
    startGithubFake({ clients: [GITHUB_CLIENT], users: GITHUB_USERS.map((u) => ({ ...u })) }),
  ]);
  const server = http.createServer(gw.listener);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    gw, url, browser, gh,
    async stop() {
      await browser.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gh.stop();
      await gw.close();
    },
  };
}

/** Fills the first-run form on /auth; the browser lands on /account. */
export async function setUpAdmin(world: ConsoleWorld, page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${world.url}/auth`);
  assert.equal(await page.textContent('h1'), 'Create the administrator account');
  await page.fill('#setup-username', username);
  await page.fill('#setup-password', password);
  await page.fill('#setup-password2', password);
  await page.click('#setup');
  await page.waitForURL(`${world.url}/account`);
}

export async function signInWithPassword(world: ConsoleWorld, page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${world.url}/auth`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#signin');
  await page.waitForURL(`${world.url}/account`);
}

/** Adds the GitHub-shaped fake as a provider from the GitHub preset, through /admin/providers. */
export async function addGithubFromPreset(world: ConsoleWorld, page: Page, options: { uid: string; title?: string }): Promise<void> {
  await page.goto(`${world.url}/admin/providers`);
  await page.click('#preset-github');
  assert.equal(await page.inputValue('#idp-title'), 'GitHub', 'the form starts from the preset');
  assert.equal(await page.inputValue('#idp-scopes'), 'read:user user:email');
  await page.fill('#idp-uid', options.uid);
  if (options.title !== undefined) await page.fill('#idp-title', options.title);
  await page.fill('#idp-clientId', GITHUB_CLIENT.client_id);
  await page.fill('#idp-clientSecret', GITHUB_CLIENT.client_secret);
  await page.fill('#idp-authUrl', world.gh.authUrl);
  await page.fill('#idp-tokenUrl', world.gh.tokenUrl);
  await page.fill('#idp-userInfoUrl', world.gh.userInfoUrl);
  await page.click('#save-provider');
  await page.waitForURL(`${world.url}/admin/providers`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS_DIR).pathname, fullPage: true });
}

/** The browser's sso_session cookie value. */
export async function ssoCookieOf(page: Page): Promise<string> {
  const cookie = (await page.context().cookies()).find((c) => c.name === 'sso_session');
  assert.ok(cookie, 'the browser holds sso_session');
  return cookie.value;
}

/** /auth/verify as nginx asks it, with the browser's cookie. */
export async function verifyWithCookie(world: ConsoleWorld, ssoToken: string): Promise<number> {
  const res = await fetch(`${world.url}/auth/verify`, { headers: { cookie: `sso_session=${ssoToken}`, 'x-original-url': `${world.url}/app/`, accept: 'application/json' } });
  await res.arrayBuffer();
  return res.status;
}
