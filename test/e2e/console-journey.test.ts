// The console from a fresh instance, in headless Chromium (issue 14, first Must-show): the setup form makes the
// administrator, /account names them, the admin adds GitHub from its preset, a second browser signs in with it,
// the admin sees the newcomer in the users list, the audit log and the chart's latest hour, archives them, and
// the newcomer's next /auth/verify is 401.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addGithubFromPreset, screenshot, setUpAdmin, ssoCookieOf, startConsoleWorld, verifyWithCookie, type ConsoleWorld } from '../support/console.js';

let world: ConsoleWorld;
before(async () => {
  world = await startConsoleWorld();
});
after(async () => {
  await world?.stop();
});

async function needsSetup(): Promise<boolean> {
  const res = await fetch(`${world.url}/api/v1/instance/profile`);
  return ((await res.json()) as { needsSetup: boolean }).needsSetup;
}

test('console journey: setup → admin → GitHub from the preset → a newcomer signs in → seen in users, audit and chart → archived → verify 401', async () => {
  assert.equal(await needsSetup(), true, 'a fresh instance needs setup');
  const admin = await world.browser.newPage();
  admin.on('dialog', (d) => void d.accept());
  await setUpAdmin(world, admin, 'root-admin', 'correct horse battery');
  assert.equal(await admin.textContent('#account-username'), 'root-admin');
  assert.equal(await needsSetup(), false, 'the first user exists');
  const adminUser = await world.gw.deps.store.users.findByUsername('root-admin');
  assert.equal(adminUser?.role, 'ADMIN');

  await addGithubFromPreset(world, admin, { uid: 'github' });
  assert.match(await admin.textContent('#providers') ?? '', /GitHub/);

  await admin.goto(`${world.url}/admin/audit`);
  const before = Number(await admin.getAttribute('#audit-chart', 'data-latest-signins'));

  const newcomer = await world.browser.newPage();
  await newcomer.goto(`${world.url}/`);
  assert.equal(new URL(newcomer.url()).pathname, '/auth', '/ sends a signed-out browser to /auth');
  await newcomer.click('#sso-github');
  await newcomer.waitForURL((u) => u.href.startsWith(world.gh.baseUrl));
  await newcomer.click('#login-octocat');
  await newcomer.waitForURL(`${world.url}/account`);
  assert.equal(await newcomer.textContent('#account-username'), 'octocat', 'lands on /account after sign-in');
  const token = await ssoCookieOf(newcomer);
  assert.equal(await verifyWithCookie(world, token), 200, 'signed in: verify passes');
  const octocat = await world.gw.deps.store.users.findByUsername('octocat');
  assert.ok(octocat);

  await admin.goto(`${world.url}/admin/users?q=octo`);
  assert.equal(await admin.locator('#users tr[data-user="octocat"]').count(), 1, 'the users list shows the newcomer');
  await admin.goto(`${world.url}/admin/audit?event=signin.success&user=${octocat.id}`);
  assert.equal(await admin.locator('#audit tr[data-event="signin.success"]').count(), 1, 'the audit log shows their sign-in');
  assert.equal(Number(await admin.getAttribute('#audit-chart', 'data-latest-signins')), before + 1, "the chart's latest hour counts it");
  await screenshot(admin, 'journey-audit');

  await admin.goto(`${world.url}/admin/users`);
  await admin.click('#archive-octocat');
  await admin.waitForURL(`${world.url}/admin/users`);
  assert.equal(await admin.textContent('#users tr[data-user="octocat"] .state'), 'ARCHIVED');
  assert.equal(await verifyWithCookie(world, token), 401, 'archived: their next verify is 401');
  await newcomer.close();
  await admin.close();
});
