// A personal access token made on /account (issue 14, Must-show): created with a description and expiry, shown
// once with a copy button, copied from the page, used by a script (curl-style requests), listed with its last
// use, revoked on the page; the next use is 401.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { screenshot, setUpAdmin, startConsoleWorld, type ConsoleWorld } from '../support/console.js';

let world: ConsoleWorld;
before(async () => {
  world = await startConsoleWorld();
});
after(async () => {
  await world?.stop();
});

async function me(token: string): Promise<number> {
  const res = await fetch(`${world.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

test('console PAT: create on /account, copy it from the page, use it, see its last use, revoke it, next use 401', async () => {
  const page = await world.browser.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: world.url });
  await setUpAdmin(world, page, 'token-owner', 'correct horse battery');

  await page.fill('#token-description', 'deploy script');
  await page.fill('#token-days', '7');
  await page.click('#create-token');
  await page.waitForURL(`${world.url}/account`);
  const shown = (await page.textContent('#new-token')) ?? '';
  assert.match(shown, /^memos_pat_[0-9A-Za-z]{32}$/);
  await page.click('#copy-token');
  await page.waitForFunction("document.getElementById('copy-token')?.textContent === 'Copied'");
  const copied = await page.evaluate<string>('navigator.clipboard.readText()');
  assert.equal(copied, shown, 'the copy button puts the token on the clipboard');
  await screenshot(page, 'pat-created');

  await page.reload();
  assert.equal(await page.locator('#new-token').count(), 0, 'the token is shown only once');
  const row = page.locator('#tokens tr', { hasText: 'deploy script' });
  assert.equal(await row.locator('.last-used').textContent(), 'never');

  assert.equal(await me(copied), 200, 'a script uses it');
  await page.reload();
  assert.notEqual(await row.locator('.last-used').textContent(), 'never', 'the list shows its last use');

  await row.locator('button', { hasText: 'Revoke' }).click();
  await page.waitForURL(`${world.url}/account`);
  assert.equal(await page.locator('#tokens tr', { hasText: 'deploy script' }).count(), 0);
  assert.equal(await me(copied), 401, 'revoked: the next use is 401');
  await page.close();
});
