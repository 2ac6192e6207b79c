// The console's refusals (issue 14, Must-show): a cross-site form post to every state-changing console route is
// 403 and changes nothing (from a same-site page on another port, which the browser sends the cookies with, and
// without the session's CSRF token); a non-admin gets a 403 page on every /admin route; markup in a display
// name, a provider title or an audit row is shown as text everywhere.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { routeTable } from '../../src/routes.js';
import { addGithubFromPreset, setUpAdmin, signInWithPassword, startConsoleWorld, type ConsoleWorld } from '../support/console.js';
import { createUser } from '../support/users.js';

let world: ConsoleWorld;
let attacker: http.Server;
let attackerUrl: string;
let admin: Page;
let user: Page;
let userId: number;

const PAYLOAD = '<script>window.__xss=1</script>"><img src=x onerror="window.__xss=1">';
const FIELDS: Record<string, string> = {
  role: 'ADMIN', state: 'ARCHIVED', displayName: 'pwned', email: 'pwned@evil.example', avatarUrl: '', username: 'evil-one',
  password: 'evil password 123', password2: 'evil password 123', oldPassword: 'correct horse battery', title: 'pwned', description: 'pwned',
  expiresInDays: '1', secondFactorRequirement: 'EVERYONE', weekStartDayOffset: '1', disallowPasswordAuth: 'true', clientId: 'x', authUrl: 'http://127.0.0.1:9/a',
};

/** Every state-changing console route, from the route table (a new one is covered without touching this test). */
function consolePosts(): string[] {
  return routeTable(world.gw.deps).filter((r) => r.method === 'post' && (r.principal !== undefined || r.path === '/auth/setup')).map((r) => r.path);
}

async function fill(path: string): Promise<string> {
  const adminUser = (await world.gw.deps.store.users.findByUsername('root-admin'))!;
  const adminSession = (await world.gw.deps.store.sessions.listActiveByUser(adminUser.id, world.gw.clock.now()))[0]!;
  const userSession = (await world.gw.deps.store.sessions.listActiveByUser(userId, world.gw.clock.now()))[0]!;
  const pat = (await world.gw.deps.store.personalAccessTokens.listByUser(adminUser.id))[0]!;
  return path
    .replace(':user', String(userId))
    .replace(':uid', 'github')
    .replace(':idpUid', 'github')
    .replace(':clientId', 'no-such-client')
    .replace(':tokenId', pat.id)
    .replace(':sessionId', path.startsWith('/admin') ? userSession.id : adminSession.id);
}

/** What any of those routes could change. */
async function snapshot(): Promise<string> {
  const { store } = world.gw.deps;
  const now = world.gw.clock.now();
  const users = await store.users.list({ afterId: 0, limit: 100 });
  const perUser = await Promise.all(users.map(async (u) => ({
    u: [u.id, u.username, u.role, u.state, u.displayName, u.email, u.avatarUrl, u.passwordHash],
    sessions: (await store.sessions.listActiveByUser(u.id, now)).map((s) => s.id),
    pats: (await store.personalAccessTokens.listByUser(u.id)).map((p) => p.id),
    identities: (await store.identities.listForUser(u.id)).map((l) => [l.provider, l.externUid]),
  })));
  const idps = (await store.idps.list()).map((i) => [i.uid, i.title, JSON.stringify(i.config)]);
  const audit = (await store.auditLogs.list({ beforeId: null, limit: 10_000 })).length;
  return JSON.stringify({ perUser, idps, general: await store.settings.find('GENERAL'), basic: await store.settings.find('BASIC'), audit });
}

before(async () => {
  world = await startConsoleWorld();
  admin = await world.browser.newPage();
  admin.on('dialog', (d) => void d.accept());
  await setUpAdmin(world, admin, 'root-admin', 'correct horse battery');
  await addGithubFromPreset(world, admin, { uid: 'github' });
  await admin.goto(`${world.url}/account`);
  await admin.fill('#token-description', 'ci');
  await admin.click('#create-token');
  await admin.waitForURL(`${world.url}/account`);
  const created = await createUser(world.gw, { username: 'plain-user', password: 'plain user password' });
  userId = created.id;
  user = await world.browser.newPage();
  await signInWithPassword(world, user, 'plain-user', 'plain user password');
  // A page on another port of the same host: the same site, so the browser sends the session cookies along.
  attacker = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const action = url.searchParams.get('action') ?? '/';
    const inputs = Object.entries(FIELDS).map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/"/g, '&quot;')}">`).join('');
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!DOCTYPE html><form id="f" method="post" action="${world.url}${action}">${inputs}</form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});
after(async () => {
  attacker?.closeAllConnections();
  await new Promise((resolve) => attacker?.close(resolve));
  await world?.stop();
});

test('console: a cross-site form post to every state-changing console route is refused (403) and changes nothing', async () => {
  const routes = consolePosts();
  assert.ok(routes.length >= 20, `console POST routes found: ${routes.length}`);
  const before = await snapshot();
  for (const route of routes) {
    const path = await fill(route);
    const answered = admin.waitForResponse((r) => r.url() === `${world.url}${path}`);
    await admin.goto(`${attackerUrl}/post?action=${encodeURIComponent(path)}`);
    const response = await answered;
    assert.equal(response.status(), 403, `cross-site POST ${path}`);
    // Without the browser's Origin (a script, or a browser that sends none) the CSRF token still decides.
    const tokenless = await admin.context().request.post(`${world.url}${path}`, { form: FIELDS, maxRedirects: 0 });
    assert.equal(tokenless.status(), 403, `POST ${path} without the CSRF token`);
  }
  // Starting a link is a GET with the session's token in the query: from another site, or without it, 403.
  const link = await admin.context().request.get(`${world.url}/account/identities/link/github?_csrf=guess`, { headers: { 'sec-fetch-site': 'same-site' }, maxRedirects: 0 });
  assert.equal(link.status(), 403, 'GET /account/identities/link/github from another site');
  assert.equal(await snapshot(), before, 'nothing changed');
});

test('console: a non-admin gets a 403 page on every /admin route, GET and POST, with a valid CSRF token', async () => {
  await user.goto(`${world.url}/account`);
  const csrf = await user.inputValue('input[name="_csrf"] >> nth=0');
  const before = await snapshot();
  const adminRoutes = routeTable(world.gw.deps).filter((r) => r.path.startsWith('/admin'));
  assert.ok(adminRoutes.length >= 15);
  for (const route of adminRoutes) {
    const url = `${world.url}${await fill(route.path)}`;
    const res = route.method === 'get'
      ? await user.context().request.get(url, { maxRedirects: 0 })
      : await user.context().request.post(url, { form: { ...FIELDS, _csrf: csrf }, headers: { origin: world.url }, maxRedirects: 0 });
    assert.equal(res.status(), 403, `${route.method.toUpperCase()} ${route.path}`);
    assert.match(res.headers()['content-type'] ?? '', /text\/html/, `${route.path} answers a page, not JSON`);
    assert.match(await res.text(), /Not allowed/);
  }
  assert.equal(await snapshot(), before, 'nothing changed');
});

test('console: markup in a display name, a provider title and an audit row is shown as text everywhere', async () => {
  await user.goto(`${world.url}/account`);
  await user.fill('#displayName', PAYLOAD);
  await user.click('#save-profile');
  await user.waitForURL(`${world.url}/account`);
  await addGithubFromPreset(world, admin, { uid: 'xss', title: PAYLOAD });
  await world.gw.deps.store.auditLogs.append({ event: 'signin.failure', actorUserId: null, subjectUserId: null, subject: PAYLOAD, ipAddress: '127.0.0.1', userAgent: PAYLOAD, detail: { reason: PAYLOAD } }, world.gw.clock.now());

  const signedOut = await world.browser.newPage();
  const views: [Page, string, string][] = [
    [user, '/account', '#account-display-name'],
    [admin, '/admin/users', '#users'],
    [admin, `/admin/users/${userId}`, 'main'],
    [admin, '/admin/providers', '#providers'],
    [admin, '/admin/providers/xss', 'main'],
    [admin, '/admin/audit', '#audit'],
    [signedOut, '/auth', 'main'],
  ];
  for (const [page, path, selector] of views) {
    await page.goto(`${world.url}${path}`);
    const text = (await page.textContent(selector)) ?? '';
    const shown = text.includes(PAYLOAD) || (await page.locator(`input[value="${PAYLOAD.replace(/"/g, '\\"')}"]`).count()) > 0;
    assert.ok(shown, `${path} shows the markup as text`);
    const injected = await page.evaluate<{ ran: boolean; elements: number }>(
      "({ ran: window.__xss === 1, elements: document.querySelectorAll('img[onerror], script:not([src])').length })",
    );
    assert.deepEqual(injected, { ran: false, elements: 0 }, `${path} runs nothing and adds no element`);
  }
  await signedOut.close();
});
