// First run with two browsers racing (issue 14, item 1): both see "Create the administrator account", both send
// it at once; exactly one becomes the administrator (the race-safe first-admin path), the other creates nothing
// and is told to sign in.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startConsoleWorld, type ConsoleWorld } from '../support/console.js';

let world: ConsoleWorld;
before(async () => {
  world = await startConsoleWorld();
});
after(async () => {
  await world?.stop();
});

test('first run: two browsers racing on the setup form make exactly one administrator; the other is told to sign in', async () => {
  const pages = await Promise.all([world.browser.newPage(), world.browser.newPage()]);
  for (const [i, page] of pages.entries()) {
    await page.goto(`${world.url}/auth`);
    assert.equal(await page.textContent('h1'), 'Create the administrator account');
    await page.fill('#setup-username', `racer-${i}`);
    await page.fill('#setup-password', 'correct horse battery');
    await page.fill('#setup-password2', 'correct horse battery');
  }
  await Promise.all(pages.map((page) => Promise.all([page.waitForURL((u) => u.pathname === '/account' || u.pathname === '/auth'), page.click('#setup')])));
  const landed = pages.map((page) => new URL(page.url()).pathname).sort();
  assert.deepEqual(landed, ['/account', '/auth']);
  assert.equal(await world.gw.deps.store.users.count(), 1, 'the loser created no account');
  assert.equal(await world.gw.deps.store.users.countActiveAdmins(), 1);
  const loser = pages.find((page) => new URL(page.url()).pathname === '/auth')!;
  assert.match((await loser.textContent('#error')) ?? '', /already exists\. Please sign in/);
  assert.equal(await loser.locator('#password-form').count(), 1, 'the loser sees the sign-in form');
  await Promise.all(pages.map((page) => page.close()));
});
