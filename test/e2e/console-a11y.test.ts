// Accessibility of every console page (issue 14, Must-show): @axe-core/playwright reports no serious or
// critical violation on each page, signed in as an admin and as a user; a screenshot of each page goes to
// test-artifacts/console/ (git-ignored), one at 375 px wide, where nothing may overflow sideways.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { routeTable } from '../../src/routes.js';
import { addGithubFromPreset, screenshot, setUpAdmin, signInWithPassword, startConsoleWorld, type ConsoleWorld } from '../support/console.js';
import { createUser } from '../support/users.js';

let world: ConsoleWorld;
let userId: number;
before(async () => {
  world = await startConsoleWorld();
});
after(async () => {
  await world?.stop();
});

async function expectAccessible(page: Page, label: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `${label}: serious or critical axe violations`);
}

/** Every console page (GET routes under /account and /admin, from the route table), with its parameters filled. */
function pages(kind: 'admin' | 'user'): string[] {
  return routeTable(world.gw.deps)
    // The link start is a redirect to the provider, not a page.
    .filter((r) => r.method === 'get' && r.principal === 'browser' && !r.path.includes('/identities/link/') && (kind === 'admin' || !r.path.startsWith('/admin')))
    .map((r) => r.path.replace(':user', String(userId)).replace(':uid', 'github'))
    .concat(kind === 'admin' ? ['/admin/providers/new?preset=github', '/admin/providers/new?preset=google'] : []);
}

test('console a11y: no serious or critical axe violation on every console page, as admin and as user; screenshots, one at 375 px', async () => {
  const setup = await world.browser.newPage();
  await setup.goto(`${world.url}/auth`);
  await expectAccessible(setup, 'setup page');
  await screenshot(setup, 'setup');
  await setUpAdmin(world, setup, 'root-admin', 'correct horse battery');
  await addGithubFromPreset(world, setup, { uid: 'github' });
  userId = (await createUser(world.gw, { username: 'plain-user', password: 'plain user password' })).id;

  const user = await world.browser.newPage();
  await signInWithPassword(world, user, 'plain-user', 'plain user password');
  for (const [page, kind] of [[setup, 'admin'], [user, 'user']] as const) {
    for (const path of pages(kind)) {
      const res = await page.goto(`${world.url}${path}`);
      assert.equal(res?.status(), 200, `${kind} ${path}`);
      await expectAccessible(page, `${kind} ${path}`);
      await screenshot(page, `${kind}${path.replace(/[^A-Za-z0-9]+/g, '-')}`);
    }
  }
  // A user's view of an admin page: the 403 page is a page too.
  const denied = await user.goto(`${world.url}/admin/users`);
  assert.equal(denied?.status(), 403);
  await expectAccessible(user, 'user 403 page');

  await setup.setViewportSize({ width: 375, height: 800 });
  for (const path of ['/account', '/admin/users', '/admin/audit']) {
    await setup.goto(`${world.url}${path}`);
    const overflow = await setup.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.ok(overflow <= 0, `${path} at 375 px overflows by ${overflow} px`);
  }
  await setup.goto(`${world.url}/account`);
  await screenshot(setup, 'account-375px');
  await user.close();
  await setup.close();
});
