// A real third-party relying party: Apache httpd with mod_auth_openidc protecting /protected, configured only with
// the gateway's discovery URL and a client from the admin API. Chromium signs in through it on the gateway's page
// and the protected backend sees the gateway's claims (OIDC_CLAIM_preferred_username).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apachePort, startApacheRp, type ApacheRp } from '../support/apache.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { registerClient, startOpGateway, type OpGateway } from '../support/oidc-op.js';
import { createAdmin, createUser } from '../support/users.js';

let browser: TestBrowser;
let op: OpGateway;
let apache: ApacheRp;
let user: { username: string; password: string };

before(async () => {
  browser = await launchBrowser();
  op = await startOpGateway('embedded');
  const admin = await createAdmin(op.gw);
  user = await createUser(op.gw);
  const { port, redirectUri } = await apachePort();
  const client = await registerClient(op.gw, admin, { displayName: 'Apache', redirectUris: [redirectUri], consent: 'SKIP' });
  apache = await startApacheRp({ port, issuer: op.issuer, clientId: client.clientId, clientSecret: client.clientSecret! });
});

after(async () => {
  await browser?.close();
  await apache?.stop();
  await op?.close();
});

test('Apache mod_auth_openidc: Chromium signs in on the gateway and the protected page sees OIDC_CLAIM_preferred_username', async () => {
  const page = await browser.newPage();
  await page.goto(`${apache.url}/protected/report`);
  await page.waitForURL((u) => u.pathname === '/auth' && u.port === new URL(op.url).port);
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await page.click('#signin');
  await page.waitForURL((u) => u.href.startsWith(`${apache.url}/protected/report`));
  assert.equal(await page.textContent('#user'), user.username, apache.errorLog().slice(-2000));
  const headers = apache.seen.at(-1)!;
  assert.equal(headers['oidc_claim_preferred_username'] ?? headers['x-preferred-username'], user.username);
  await page.close();
});
