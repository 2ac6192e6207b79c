// /admin/oidc-clients in the browser (issue 14 item 4, OpenID clients): an admin registers a confidential app
// from the form, copies its secret (shown once), and the secret authenticates at the token endpoint; a new secret
// replaces it at once; a bad redirect URI comes back with the API's sentence and registers nothing; delete.
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

/** A token request with a made-up code: `invalid_grant` once the client authenticated, `invalid_client` if not. */
async function tokenError(clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${world.url}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: 'https://wiki.example.com/cb' }),
  });
  return String(((await res.json()) as { error?: unknown }).error);
}

test('console OIDC apps: register from the form, the secret shown once works at the token endpoint, a new secret replaces it, delete', async () => {
  const page = await world.browser.newPage();
  page.on('dialog', (d) => void d.accept());
  await setUpAdmin(world, page, 'oidc-admin', 'correct horse battery');
  await page.goto(`${world.url}/admin/oidc-clients`);

  await page.fill('#client-display-name', 'Team wiki');
  await page.fill('#client-id', 'team-wiki');
  await page.fill('#client-redirect-uris', 'https://wiki.example.com/cb\nhttps://wiki.example.com/cb2');
  await page.check('#client-role-admin');
  await page.fill('#client-groups', 'wiki-editors');
  await page.click('#save-client');
  await page.waitForURL(`${world.url}/admin/oidc-clients`);
  const secret = (await page.textContent('#new-client-secret')) ?? '';
  assert.match(secret, /^[0-9a-f]{64}$/, 'the secret is shown');
  await screenshot(page, 'oidc-client-created');
  const row = page.locator('#oidc-clients tr[data-client="team-wiki"]');
  assert.match((await row.textContent()) ?? '', /role ADMIN, group wiki-editors/);
  const api = (await world.gw.deps.store.oidcClients.findById('team-wiki'))!;
  assert.deepEqual([api.redirectUris, api.allowedRoles, api.allowedGroups], [['https://wiki.example.com/cb', 'https://wiki.example.com/cb2'], ['ADMIN'], ['wiki-editors']]);

  await page.reload();
  assert.equal(await page.locator('#new-client-secret').count(), 0, 'shown only once');
  assert.equal(await tokenError('team-wiki', secret), 'invalid_grant', 'the shown secret authenticates the client');
  assert.equal(await tokenError('team-wiki', 'f'.repeat(64)), 'invalid_client');

  await page.click('#secret-team-wiki');
  await page.waitForURL(`${world.url}/admin/oidc-clients`);
  const second = (await page.textContent('#new-client-secret')) ?? '';
  assert.match(second, /^[0-9a-f]{64}$/);
  assert.notEqual(second, secret);
  assert.equal(await tokenError('team-wiki', secret), 'invalid_client', 'the old secret stops at once');
  assert.equal(await tokenError('team-wiki', second), 'invalid_grant');

  await page.fill('#client-display-name', 'Broken');
  await page.fill('#client-redirect-uris', 'javascript:alert(1)');
  await page.click('#save-client');
  await page.waitForURL(`${world.url}/admin/oidc-clients`);
  assert.match((await page.locator('[role=alert], .alert').first().textContent()) ?? '', /redirectUris|redirect/i, 'the API\'s sentence comes back');
  assert.equal((await world.gw.deps.store.oidcClients.list()).length, 1, 'nothing registered');

  await row.locator('button', { hasText: 'Delete' }).click();
  await page.waitForURL(`${world.url}/admin/oidc-clients`);
  assert.equal(await page.locator('#oidc-clients tr[data-client="team-wiki"]').count(), 0);
  assert.equal(await world.gw.deps.store.oidcClients.findById('team-wiki'), null);
  await page.close();
});
