// The shipped Caddy example (proxies/caddy/Caddyfile, forward_auth -> /auth/verify/forward-auth), run for real in
// front of a real gateway and an echoing app: a browser without credentials is sent to sign-in with its URL and
// comes back to it; the app gets the gateway's identity headers and never a client's copy; a rule is a 403 the app
// never sees; Basic username:PAT passes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { CADDY_APP_HOST, CADDY_GATEWAY_HOST, caddyRequest, startCaddy, type CaddyHandle } from '../support/caddy.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startCountingApp, type CountingApp } from '../support/nginx-stack.js';
import { createPat } from '../support/pats.js';
import { freePort } from '../support/services.js';
import { createAdmin, createUser, signIn } from '../support/users.js';
import { forwardAuthEnv, writeRulesFile, type RulesFile } from '../support/verify.js';

describe('Caddy forward_auth in front of an app', () => {
  let gw: TestGateway;
  let app: CountingApp;
  let caddy: CaddyHandle;
  let rules: RulesFile;
  let port: number;
  let username: string;
  let password: string;
  let patAuth: string;

  before(async () => {
    port = await freePort();
    rules = writeRulesFile({ rules: [{ host: CADDY_APP_HOST, path: '/admin', allow: { roles: ['ADMIN'] } }] });
    gw = await startTestGateway('embedded', {
      env: forwardAuthEnv(rules, { GATEWAY_INSTANCE_URL: `http://${CADDY_GATEWAY_HOST}:${port}`, GATEWAY_BCRYPT_COST: '4' }),
    });
    const gatewayPort = Number(new URL(await gw.listen()).port);
    app = await startCountingApp();
    caddy = await startCaddy({ gatewayPort, appPort: app.port, port });
    const admin = await createAdmin(gw);
    const user = await createUser(gw, {}, admin);
    ({ username, password } = user);
    // Local groups, so the app can be seen to receive X-Auth-Request-Groups through Caddy's copy_headers.
    const groups = await gw.http.patch(`/api/v1/users/${user.id}/groups`).set(admin.auth).send({ localGroups: ['eng', 'ops'] });
    assert.equal(groups.status, 200, JSON.stringify(groups.body));
    const pat = await createPat(gw, await signIn(gw, username, password));
    patAuth = `Basic ${Buffer.from(`${username}:${pat.token}`).toString('base64')}`;
  });

  after(async () => {
    await caddy?.stop();
    await app?.stop();
    await gw?.close();
    rules?.remove();
  });

  const toApp = (path: string, headers: Record<string, string> = {}) => caddyRequest(port, CADDY_APP_HOST, path, headers);
  const lastSeen = () => app.seen[app.seen.length - 1]!;

  test('no credentials: sent to sign-in with the original URL, back to it after signing in, identity reaches the app', async () => {
    const original = `http://${CADDY_APP_HOST}:${port}/notes?page=2`;
    const first = await toApp('/notes?page=2', { Accept: 'text/html' });
    assert.equal(first.status, 302);
    const signInPage = new URL(String(first.headers.location));
    assert.equal(signInPage.host, `${CADDY_GATEWAY_HOST}:${port}`);
    assert.equal(signInPage.searchParams.get('redirect'), original);
    const page = await caddyRequest(port, CADDY_GATEWAY_HOST, `${signInPage.pathname}${signInPage.search}`, { Accept: 'text/html' });
    assert.equal(page.status, 200);
    const form = new URLSearchParams({ username, password, redirect: original }).toString();
    const posted = await caddyRequest(
      port,
      CADDY_GATEWAY_HOST,
      '/auth/signin',
      { 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-origin', 'Content-Length': String(form.length) },
      'POST',
      form,
    );
    assert.ok(posted.status === 302 || posted.status === 303, `${posted.status} ${posted.body}`);
    assert.equal(posted.headers.location, original);
    const jar = new CookieJar();
    jar.store(posted.headers['set-cookie']);
    const back = await toApp('/notes?page=2', { Accept: 'text/html', Cookie: `sso_session=${jar.get('sso_session')!}`, 'X-Auth-Request-User': 'mallory' });
    assert.equal(back.status, 200, back.body);
    assert.equal(lastSeen().url, '/notes?page=2');
    assert.equal(lastSeen().headers['x-auth-request-user'], username);
    assert.equal(lastSeen().headers['x-auth-request-groups'], 'eng,ops');
    // A rule: /admin is for administrators; the app never sees the request.
    const before = app.seen.length;
    const admin = await toApp('/admin', { Cookie: `sso_session=${jar.get('sso_session')!}` });
    assert.equal(admin.status, 403);
    assert.equal(app.seen.length, before);
  });

  test('a client-sent X-Auth-Request-User never reaches the app', async () => {
    const res = await toApp('/x', { Authorization: patAuth, 'X-Auth-Request-User': 'mallory', 'X-Auth-Request-Role': 'ADMIN', 'X-Auth-Request-Groups': 'admins', 'X-Auth-Request-Admin': 'yes' });
    assert.equal(res.status, 200);
    assert.equal(lastSeen().headers['x-auth-request-user'], username);
    assert.equal(lastSeen().headers['x-auth-request-role'], 'USER');
    assert.equal(lastSeen().headers['x-auth-request-groups'], 'eng,ops', "the gateway's groups, not a client's");
    // A header of that family the gateway did not send is gone as well (Caddy only overwrites what it copies).
    assert.equal(lastSeen().headers['x-auth-request-admin'], undefined);
    const before = app.seen.length;
    const anon = await toApp('/x', { 'X-Auth-Request-User': 'mallory' });
    assert.equal(anon.status, 401);
    assert.equal(app.seen.length, before);
  });

  test('a PAT in Basic auth passes; a password in Basic does not', async () => {
    const ok = await toApp('/repo.git/info/refs', { Authorization: patAuth });
    assert.equal(ok.status, 200);
    assert.equal(lastSeen().headers['x-auth-request-user'], username);
    const pw = await toApp('/repo.git/info/refs', { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` });
    assert.equal(pw.status, 401);
    assert.match(String(pw.headers['www-authenticate']), /^Basic realm=/);
  });
});
