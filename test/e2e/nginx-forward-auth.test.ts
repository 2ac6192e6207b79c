// Forward auth end to end: the shipped nginx config (rendered for loopback by test/support/nginx.ts) over https,
// in front of the real gateway and a header-echoing app. What a user and an app behind nginx actually see:
// sign-in redirects, identity headers only from the gateway, sign-out, PATs on the API location, rule denials,
// security headers on every status, and nginx's own sign-in rate limit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { CookieJar } from '../support/cookie-jar.js';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { APP_HOST, GATEWAY_HOST, nginxRequest, SHIPPED_NGINX_DIR, startNginx, type NginxHandle, type NginxRequest } from '../support/nginx.js';
import { freePort } from '../support/services.js';
import { createAdmin, createUser } from '../support/users.js';
import { forwardAuthEnv, writeRulesFile, type RulesFile } from '../support/verify.js';

interface EchoApp {
  port: number;
  seen: { url: string; headers: IncomingHttpHeaders }[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The protected app: answers 200 with the request it received, as JSON. */
function echoApp(port = 0): EchoApp {
  let server: Server | null = null;
  const app: EchoApp = {
    port,
    seen: [],
    async start() {
      server = createServer((req, res) => {
        const seen = { url: req.url ?? '', headers: req.headers };
        app.seen.push(seen);
        const body = JSON.stringify(seen);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      });
      await new Promise<void>((resolve) => server!.listen(app.port, '127.0.0.1', resolve));
      app.port = (server.address() as AddressInfo).port;
    },
    async stop() {
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = null;
    },
  };
  return app;
}

const SECURITY_HEADERS = ['strict-transport-security', 'x-content-type-options', 'x-frame-options', 'referrer-policy'];
const BROWSER = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

/** How many sign-ins nginx lets one client make at once: the burst of the gw_signin zone, plus one. */
function signInAllowance(): number {
  const conf = readFileSync(join(SHIPPED_NGINX_DIR, 'conf.d', `${GATEWAY_HOST}.conf`), 'utf8');
  const burst = /limit_req\s+zone=gw_signin\s+burst=(\d+)/.exec(conf);
  assert.ok(burst, 'the shipped config limits /api/v1/auth/signin with zone gw_signin');
  return Number(burst[1]) + 1;
}

for (const mode of STORAGE_MODES) {
  describe(`forward auth through nginx [${mode}]`, () => {
    let gw: TestGateway;
    let rules: RulesFile;
    let app: EchoApp;
    let nginx: NginxHandle;
    let httpsPort: number;
    let admin: { username: string; password: string };
    let user: { id: number; username: string; password: string };

    const send = (opts: NginxRequest) => nginxRequest(httpsPort, opts);
    const appOrigin = () => `https://${APP_HOST}:${httpsPort}`;

    async function signInThroughNginx(who: { username: string; password: string }): Promise<CookieJar & { accessToken: string }> {
      const res = await send({
        host: GATEWAY_HOST,
        method: 'POST',
        path: '/api/v1/auth/signin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ passwordCredentials: { username: who.username, password: who.password } }),
      });
      assert.equal(res.status, 200, res.body);
      const jar = Object.assign(new CookieJar(), { accessToken: (JSON.parse(res.body) as { accessToken: string }).accessToken });
      jar.store(res.headers['set-cookie']);
      assert.ok(jar.get('sso_session'), 'the sign-in sets the sso_session cookie');
      return jar;
    }

    before(async () => {
      httpsPort = await freePort();
      rules = writeRulesFile({ rules: [{ host: APP_HOST, path: '/admin', allow: { roles: ['ADMIN'] } }] });
      gw = await startTestGateway(mode, {
        env: forwardAuthEnv(rules, { GATEWAY_INSTANCE_URL: `https://${GATEWAY_HOST}:${httpsPort}`, GATEWAY_UPSTREAM_JWT_HEADER: 'X-Auth-Request-Jwt' }),
      });
      const gatewayPort = Number(new URL(await gw.listen()).port);
      app = echoApp();
      await app.start();
      nginx = await startNginx({ gatewayPort, appPort: app.port, httpsPort, httpPort: await freePort(), statusPort: await freePort() });
      const signedInAdmin = await createAdmin(gw);
      admin = signedInAdmin;
      user = await createUser(gw, { email: 'dana@example.test' }, signedInAdmin);
    });

    after(async () => {
      await nginx?.stop();
      await app?.stop();
      await gw?.close();
      rules?.remove();
    });

    test('a protected page without credentials is a 302 to the sign-in page carrying the original URL', async () => {
      const before = app.seen.length;
      const res = await send({ host: APP_HOST, path: '/docs/page?id=7', headers: { ...BROWSER, 'X-Auth-Request-User': 'admin' } });
      assert.equal(res.status, 302);
      const original = `${appOrigin()}/docs/page?id=7`;
      assert.equal(res.headers.location, `https://${GATEWAY_HOST}:${httpsPort}/auth?redirect=${encodeURIComponent(original)}`);
      assert.equal(app.seen.length, before, 'the app is never reached, whatever identity the client claims');
    });

    test('after a password sign-in the same request reaches the app with the identity from the gateway only', async () => {
      const jar = await signInThroughNginx(user);
      const res = await send({
        host: APP_HOST,
        path: '/docs/page?id=7',
        headers: {
          ...BROWSER,
          Cookie: `theme=dark; ${jar.header()}`,
          'X-Auth-Request-User': 'admin',
          'X-Auth-Request-Role': 'ADMIN',
          'X-Auth-Request-User-Id': '1',
          'X-Auth-Request-Jwt': 'forged.by.client',
        },
      });
      assert.equal(res.status, 200, res.body);
      const seen = JSON.parse(res.body) as { url: string; headers: IncomingHttpHeaders };
      assert.equal(seen.url, '/docs/page?id=7');
      assert.equal(seen.headers['x-auth-request-user'], user.username);
      assert.equal(seen.headers['x-auth-request-role'], 'USER');
      assert.equal(seen.headers['x-auth-request-user-id'], String(user.id));
      assert.equal(seen.headers['x-auth-request-email'], 'dana@example.test');
      assert.equal(seen.headers.cookie, 'theme=dark', "the gateway's cookies never reach the app");
      // The signed identity: the gateway's, never the client's, and it verifies against the published keys.
      const jwks = await send({ host: GATEWAY_HOST, path: '/.well-known/jwks.json' });
      assert.equal(jwks.status, 200, jwks.body);
      const { payload } = await jwtVerify(String(seen.headers['x-auth-request-jwt']), createLocalJWKSet(JSON.parse(jwks.body) as { keys: JWK[] }), {
        issuer: `https://${GATEWAY_HOST}:${httpsPort}`,
        audience: APP_HOST,
        currentDate: gw.clock.now(),
      });
      assert.equal(payload.preferred_username, user.username);
    });

    test('after sign-out the same cookie is sent back to the sign-in page', async () => {
      const jar = await signInThroughNginx(user);
      const cookie = { Cookie: `sso_session=${jar.get('sso_session')!}` };
      assert.equal((await send({ host: APP_HOST, path: '/docs', headers: { ...BROWSER, ...cookie } })).status, 200);
      const out = await send({ host: GATEWAY_HOST, method: 'POST', path: '/api/v1/auth/signout', headers: { Cookie: jar.header() } });
      assert.equal(out.status, 200, out.body);
      const res = await send({ host: APP_HOST, path: '/docs', headers: { ...BROWSER, ...cookie } });
      assert.equal(res.status, 302);
      assert.match(String(res.headers.location), /\/auth\?redirect=/);
    });

    test('a bearer PAT passes the API location and a bad one gets a plain 401', async () => {
      const { accessToken } = await signInThroughNginx(user);
      const created = await send({
        host: GATEWAY_HOST,
        method: 'POST',
        path: `/api/v1/users/${user.id}/personalAccessTokens`,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ description: 'e2e' }),
      });
      assert.equal(created.status, 200, created.body);
      const pat = (JSON.parse(created.body) as { token: string }).token;

      const ok = await send({ host: APP_HOST, path: '/api/items', headers: { Accept: 'application/json', Authorization: `Bearer ${pat}` } });
      assert.equal(ok.status, 200, ok.body);
      const seen = JSON.parse(ok.body) as { headers: IncomingHttpHeaders };
      assert.equal(seen.headers['x-auth-request-user'], user.username);
      assert.equal(seen.headers.authorization, undefined, 'the bearer token stays with the gateway');

      const bad = await send({ host: APP_HOST, path: '/api/items', headers: { ...BROWSER, Authorization: 'Bearer memos_pat_notARealTokenAtAll0000000000000' } });
      assert.equal(bad.status, 401);
      assert.equal(bad.headers.location, undefined);
      assert.match(String(bad.headers['www-authenticate']), /invalid_token/);
    });

    test('an access rule that denies is a 403, not a redirect', async () => {
      const userJar = await signInThroughNginx(user);
      const denied = await send({ host: APP_HOST, path: '/admin/settings', headers: { ...BROWSER, Cookie: userJar.header() } });
      assert.equal(denied.status, 403);
      assert.equal(denied.headers.location, undefined);
      const adminJar = await signInThroughNginx(admin);
      const allowed = await send({ host: APP_HOST, path: '/admin/settings', headers: { ...BROWSER, Cookie: adminJar.header() } });
      assert.equal(allowed.status, 200);
      const sneaky = await send({ host: APP_HOST, path: '/ADMIN/./settings', headers: { ...BROWSER, Cookie: userJar.header() } });
      assert.equal(sneaky.status, 403);
    });

    test('security headers are on 200, 302, 401, 404 and 502 responses', async () => {
      const jar = await signInThroughNginx(user);
      const responses = {
        200: await send({ host: APP_HOST, path: '/docs', headers: { Cookie: jar.header() } }),
        302: await send({ host: APP_HOST, path: '/docs', headers: BROWSER }),
        401: await send({ host: APP_HOST, path: '/api/items', headers: { Authorization: 'Bearer nope' } }),
        404: await send({ host: GATEWAY_HOST, path: '/auth/verify', headers: { Cookie: jar.header() } }),
      };
      await app.stop();
      try {
        Object.assign(responses, { 502: await send({ host: APP_HOST, path: '/docs', headers: { Cookie: jar.header() } }) });
      } finally {
        await app.start();
      }
      for (const [status, res] of Object.entries(responses)) {
        assert.equal(res.status, Number(status), `expected ${status}, got ${res.status}: ${res.body.slice(0, 200)}`);
        for (const header of SECURITY_HEADERS) assert.ok(res.headers[header], `${header} on the ${status}`);
      }
    });

    test('the sign-in after the allowed burst from one client is a 429 from nginx', async () => {
      // A fresh nginx: its rate-limit state is not shared with the sign-ins of the tests above.
      const fresh = await startNginx({ gatewayPort: Number(new URL(await gw.listen()).port), appPort: app.port });
      try {
        const allowance = signInAllowance();
        const body = JSON.stringify({ passwordCredentials: { username: user.username, password: user.password } });
        const attempt = () =>
          nginxRequest(fresh.httpsPort, { host: GATEWAY_HOST, method: 'POST', path: '/api/v1/auth/signin', headers: { 'Content-Type': 'application/json' }, body });
        for (let i = 1; i <= allowance; i++) assert.equal((await attempt()).status, 200, `sign-in ${i} of ${allowance}`);
        const limited = await attempt();
        assert.equal(limited.status, 429);
        assert.doesNotMatch(limited.body, /^\{/, "nginx's answer, not the gateway's");
        for (const header of SECURITY_HEADERS) assert.ok(limited.headers[header], `${header} on the 429`);
      } finally {
        await fresh.stop();
      }
    });
  });
}
