// Linked identities on /account (issue 14, Must-show): a person who came in through one provider links a second
// one through the SSO flow, signs in with either and is the same user; unlinking down to the last way in is refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { addGithubFromPreset, setUpAdmin, startConsoleWorld, type ConsoleWorld } from '../support/console.js';

let world: ConsoleWorld;
before(async () => {
  world = await startConsoleWorld();
  const admin = await world.browser.newPage();
  await setUpAdmin(world, admin, 'root-admin', 'correct horse battery');
  await addGithubFromPreset(world, admin, { uid: 'github' });
  await addGithubFromPreset(world, admin, { uid: 'gh-work', title: 'GitHub (work)' });
  await admin.close();
});
after(async () => {
  await world?.stop();
});

async function signInWith(page: Page, uid: string, login: string): Promise<void> {
  await page.goto(`${world.url}/auth`);
  await page.click(`#sso-${uid}`);
  await page.waitForURL((u) => u.href.startsWith(world.gh.baseUrl));
  await page.click(`#login-${login}`);
  await page.waitForURL(`${world.url}/account`);
}

async function signOut(page: Page): Promise<void> {
  await page.click('#signout');
  await page.waitForURL((u) => u.pathname === '/auth');
}

test('linked identities: link a second provider, sign in with either as the same user, unlinking the last way in is refused', async () => {
  const page = await world.browser.newPage();
  page.on('dialog', (d) => void d.accept());
  await signInWith(page, 'github', 'octocat');
  assert.equal(await page.textContent('#account-username'), 'octocat');
  const octocat = (await world.gw.deps.store.users.findByUsername('octocat'))!;

  await page.click('#link-gh-work');
  await page.waitForURL((u) => u.href.startsWith(world.gh.baseUrl));
  await page.click('#login-hubot');
  await page.waitForURL(`${world.url}/account`);
  assert.equal(await page.locator('#identities tr[data-identity]').count(), 2, 'both providers are listed');
  assert.equal((await world.gw.deps.store.identities.find('gh-work', '9001'))?.userId, octocat.id, 'linked by GitHub id (the preset maps identifier to id)');
  assert.equal(await world.gw.deps.store.users.findByUsername('hubot'), null, 'linking registered nobody');

  await signOut(page);
  await signInWith(page, 'gh-work', 'hubot');
  assert.equal(await page.textContent('#account-username'), 'octocat', 'the linked provider signs in the same user');
  await signOut(page);
  await signInWith(page, 'github', 'octocat');
  assert.equal(await page.textContent('#account-username'), 'octocat');

  await page.click('#unlink-gh-work');
  await page.waitForURL(`${world.url}/account`);
  assert.equal(await page.locator('#identities tr[data-identity]').count(), 1);
  await page.click('#unlink-github');
  await page.waitForURL(`${world.url}/account`);
  assert.match((await page.textContent('#flash')) ?? '', /only way to sign in/);
  assert.equal(await page.locator('#identities tr[data-identity="github"]').count(), 1, 'the last way in stays');
  assert.ok(await world.gw.deps.store.identities.find('github', '583231'));
  await page.close();
});
