// Forward auth for proxies other than nginx: Envoy ext_authz (prefix + original path, original Host and method)
// decides exactly as nginx auth_request for the same target; Traefik/Caddy/Envoy endpoints answer a browser with the
// 302 to sign-in themselves; Basic auth takes username:PAT of that user only, regulated like guessed PATs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createPat, type CreatedPat } from '../support/pats.js';
import { createAdmin, createUser, signIn, type SignedIn } from '../support/users.js';
import { APP, forwardAuthEnv, SIGN_IN_PAGE, ssoCookie, writeRulesFile, type RulesFile } from '../support/verify.js';

const basic = (username: string, secret: string) => ({ Authorization: `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}` });

/** The same question asked the nginx way (X-Original-URL) and the Envoy way (prefix + path, Host, method). */
function asNginx(gw: TestGateway, method: string, url: string, headers: Record<string, string>) {
  return gw.http.get('/auth/verify').set({ 'X-Original-URL': url, 'X-Original-Method': method, ...headers });
}
function asEnvoy(gw: TestGateway, method: string, url: string, headers: Record<string, string>) {
  const u = new URL(url);
  const req = gw.http[method.toLowerCase() as 'get' | 'post' | 'delete'](`/auth/verify/envoy${u.pathname}${u.search}`);
  return req.set({ Host: u.host, 'X-Forwarded-Proto': u.protocol.slice(0, -1), ...headers });
}

describe('forward auth for every proxy', () => {
  let gw: TestGateway;
  let rules: RulesFile;
  let admin: SignedIn;
  let user: SignedIn;
  let pat: CreatedPat;

  before(async () => {
    rules = writeRulesFile({
      rules: [
        { host: 'app.example.test', path: '/admin', allow: { roles: ['ADMIN'] } },
        { host: 'other.example.test', allow: { users: [99999] } },
      ],
    });
    gw = await startTestGateway('embedded', { env: forwardAuthEnv(rules, { GATEWAY_TOKEN_MAX_FAILURES_PER_IP: '4' }) });
    admin = await createAdmin(gw);
    const created = await createUser(gw, {}, admin);
    user = await signIn(gw, created.username, created.password);
    pat = await createPat(gw, user);
  });

  after(async () => {
    await gw.close();
    rules.remove();
  });

  test('Envoy-shaped ext_authz requests decide exactly as nginx-shaped ones, target by target', async () => {
    const cookie = () => ssoCookie(user.jar.get('sso_session')!);
    const adminCookie = () => ssoCookie(admin.jar.get('sso_session')!);
    const table: Array<[string, string, () => Record<string, string>, number]> = [
      ['GET', `${APP}/`, cookie, 200],
      ['POST', `${APP}/notes?x=1`, cookie, 200],
      ['GET', `${APP}/admin`, cookie, 403],
      ['GET', `${APP}/admin/users`, adminCookie, 200],
      ['GET', `${APP}/%61dmin`, cookie, 403],
      ['GET', `${APP}/a/../admin`, cookie, 403],
      ['GET', 'https://other.example.test/', cookie, 403],
      ['DELETE', 'http://app.example.test:8080/x', cookie, 200],
      ['GET', `${APP}/`, () => ({}), 401],
      ['GET', `${APP}/`, () => ({ Cookie: 'sso_session=nonsense' }), 401],
    ];
    for (const [method, url, headers, expected] of table) {
      const nginx = await asNginx(gw, method, url, headers());
      const envoy = await asEnvoy(gw, method, url, headers());
      assert.equal(nginx.status, expected, `nginx ${method} ${url}`);
      assert.equal(envoy.status, nginx.status, `envoy ${method} ${url}`);
      assert.equal(envoy.headers['x-auth-request-user'], nginx.headers['x-auth-request-user'], `envoy ${method} ${url}`);
    }
  });

  test('an ext_authz request that also carries nginx or Traefik target headers is not judged', async () => {
    const res = await asEnvoy(gw, 'GET', `${APP}/`, { ...ssoCookie(user.jar.get('sso_session')!), 'X-Original-URL': `${APP}/admin` });
    assert.equal(res.status, 403);
  });

  test('a browser without credentials gets the 302 to sign-in from the Traefik/Caddy and Envoy endpoints, nginx the 401', async () => {
    const html = { Accept: 'text/html' };
    const target = `${APP}/notes?page=2`;
    const expected = `${SIGN_IN_PAGE}?redirect=${encodeURIComponent(target)}`;
    const fwd = await gw.http.get('/auth/verify/forward-auth').set({ ...html, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'app.example.test', 'X-Forwarded-Uri': '/notes?page=2', 'X-Forwarded-Method': 'GET' });
    assert.equal(fwd.status, 302);
    assert.equal(fwd.headers.location, expected);
    const envoy = await asEnvoy(gw, 'GET', target, html);
    assert.equal(envoy.status, 302);
    assert.equal(envoy.headers.location, expected);
    const nginx = await asNginx(gw, 'GET', target, html);
    assert.equal(nginx.status, 401);
    // A return URL outside the allowed hosts is never carried: the plain sign-in page instead (no open redirect).
    const evil = await gw.http.get('/auth/verify/forward-auth').set({ ...html, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.test', 'X-Forwarded-Uri': '/' });
    assert.equal(evil.status, 302);
    assert.equal(evil.headers.location, SIGN_IN_PAGE);
    // An API client (no text/html) still gets the 401 with its challenge.
    const api = await asEnvoy(gw, 'GET', target, {});
    assert.equal(api.status, 401);
  });

  test('Basic username:PAT of that user passes at /auth/verify and the REST API', async () => {
    const res = await asNginx(gw, 'GET', `${APP}/`, basic(user.username, pat.token));
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-auth-request-user'], user.username);
    const me = await gw.http.get('/api/v1/auth/me').set(basic(user.username, pat.token));
    assert.equal(me.status, 200);
    assert.equal(me.body.user.username, user.username);
  });

  test('Basic with another username, a password or a revoked PAT is 401 with the Basic challenge, then regulated', async () => {
    const other = await createUser(gw, {}, admin);
    const victim = await signIn(gw, other.username, other.password);
    const doomed = await createPat(gw, victim);
    const revoked = await gw.http.delete(`/api/v1/users/${victim.userId}/personalAccessTokens/${doomed.tokenId}`).set(victim.auth);
    assert.ok(revoked.status < 300, String(revoked.status));
    const cookie = ssoCookie(user.jar.get('sso_session')!);
    const attempts = [
      basic(admin.username, pat.token),
      basic(other.username, other.password),
      { ...basic(other.username, doomed.token), ...cookie },
    ];
    for (const headers of attempts) {
      const res = await asNginx(gw, 'GET', `${APP}/`, headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.match(String(res.headers['www-authenticate']), /^Basic realm="sso-gateway"/);
    }
    const api = await gw.http.get('/api/v1/auth/me').set(basic(other.username, other.password));
    assert.equal(api.status, 401);
    assert.match(String(api.headers['www-authenticate']), /^Basic realm="sso-gateway"/);
    // Four failures from this address: now even the right PAT is refused until the ban ends.
    const banned = await asNginx(gw, 'GET', `${APP}/`, basic(user.username, pat.token));
    assert.equal(banned.status, 429);
    const bannedApi = await gw.http.get('/api/v1/auth/me').set(basic(user.username, pat.token));
    assert.equal(bannedApi.status, 429);
  });
});

describe('the proxy endpoints from a peer that is not a trusted proxy', () => {
  let gw: TestGateway;
  let rules: RulesFile;

  before(async () => {
    rules = writeRulesFile({ rules: [{ host: 'app.example.test', path: '/admin', allow: { roles: ['ADMIN'] } }] });
    gw = await startTestGateway('embedded', { env: forwardAuthEnv(rules, { GATEWAY_TRUSTED_PROXIES: '192.0.2.1' }) });
  });

  after(async () => {
    await gw.close();
    rules.remove();
  });

  test('Host and path (Envoy) or X-Forwarded-* (Traefik/Caddy) are not believed: no return URL, no target judged', async () => {
    const html = { Accept: 'text/html' };
    const envoy = await asEnvoy(gw, 'GET', `${APP}/notes`, html);
    assert.equal(envoy.status, 302);
    assert.equal(envoy.headers.location, SIGN_IN_PAGE);
    const fwd = await gw.http.get('/auth/verify/forward-auth').set({ ...html, 'X-Forwarded-Host': 'app.example.test', 'X-Forwarded-Uri': '/notes' });
    assert.equal(fwd.status, 302);
    assert.equal(fwd.headers.location, SIGN_IN_PAGE);
    // A signed-in user: with rules present and no believable target, the answer is 403 (fail closed).
    const admin = await createAdmin(gw);
    const user = await signIn(gw, (await createUser(gw, {}, admin)).username, 'correct horse battery staple');
    const judged = await asEnvoy(gw, 'GET', `${APP}/`, ssoCookie(user.jar.get('sso_session')!));
    assert.equal(judged.status, 403);
  });
});
