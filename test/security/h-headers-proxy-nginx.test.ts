// Security catalogue group H (cases 73–80): forwarding headers, proxy trust, nginx auth_request, security headers.
// What is about nginx runs the shipped config (test/support/nginx.ts renders nginx/ for loopback) over https in
// front of the real gateway (both storage modes) and an app that counts every request it gets, so "never
// proxied" is a count; what is about nginx's own handling of a misbehaving auth service (H77, the body half of
// H78, the 500/502 half of H80) puts a stand-in in the gateway's place. What is about the gateway is also asked
// of it directly.
// H77's hang: the shipped auth location waits `proxy_read_timeout 10s`; renderNginxConfig has no option for it,
// so that test changes the one value in the rendered file to 1 s and reloads nginx (NginxHandle.reload).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { requireConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import type { TrustProxy } from '../../src/forward-auth/verify-handler.js';
import { APP, forwardAuthEnv, verify } from '../support/verify.js';
import { startTestGateway, STORAGE_MODES, type StorageMode } from '../support/gateway.js';
import { APP_HOST, GATEWAY_HOST, nginxRequest, startNginx, type NginxHandle, type NginxResponse } from '../support/nginx.js';
import { createAdmin, createUser, type SignedIn } from '../support/users.js';
import {
  rawExchange,
  signedInFrom,
  startCountingApp,
  startStack,
  type AppRequest,
  type CountingApp,
  type Stack,
} from '../support/nginx-stack.js';
import {
  reloadWithChange,
  STAND_IN_CHALLENGE,
  STAND_IN_IDENTITY,
  startStandInGateway,
  type StandInGateway,
} from '../support/nginx-standin.js';

const BROWSER = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const MACHINE = { Accept: 'application/json' };
const HSTS = 'max-age=63072000; includeSubDomains';
const DENIALS = [500, 502, 504];

/** Every header a client could use to claim another address; a different address on each try. */
function spoofedAddress(i: number): Record<string, string> {
  return {
    'X-Forwarded-For': `198.51.100.${i}, 203.0.113.${i}`,
    'X-Real-IP': `203.0.113.${100 + i}`,
    Forwarded: `for=192.0.2.${i};proto=https`,
    'True-Client-IP': `198.18.0.${i}`,
    'X-Client-IP': `198.18.1.${i}`,
    'CF-Connecting-IP': `198.18.2.${i}`,
  };
}

function assertCommonHeaders(res: NginxResponse, label: string): void {
  assert.equal(res.headers['strict-transport-security'], HSTS, `${label}: one HSTS header, nginx's`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${label}: nosniff`);
}

/** The gateway host: nginx's single copy of each header (a duplicate would read "DENY, SAMEORIGIN"). */
function assertGatewayHeaders(res: NginxResponse, label: string): void {
  assertCommonHeaders(res, label);
  assert.equal(res.headers['x-frame-options'], 'DENY', `${label}: X-Frame-Options`);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', `${label}: Referrer-Policy`);
  assert.match(String(res.headers['content-security-policy'] ?? ''), /frame-ancestors 'none'/, `${label}: CSP`);
  assert.equal(res.headers['x-powered-by'], undefined, `${label}: no X-Powered-By`);
}

function assertAppHeaders(res: NginxResponse, label: string): void {
  assertCommonHeaders(res, label);
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${label}: X-Frame-Options`);
  assert.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin', `${label}: Referrer-Policy`);
}

function assertSecureCookies(setCookie: string[] | undefined, label: string): void {
  const lines = setCookie ?? [];
  // Both session cookies, and the device cookie a password sign-in sets once per sign-in path (issue 9 item 6).
  assert.deepEqual(lines.map((l) => l.split('=')[0]).sort(), ['memos_refresh', 'sso_device', 'sso_device', 'sso_session'], `${label}: every cookie`);
  for (const line of lines) {
    assert.match(line, /;\s*Secure(?:;|$)/i, `${label}: Secure on ${line.split('=')[0]}`);
    assert.match(line, /;\s*HttpOnly(?:;|$)/i, `${label}: HttpOnly on ${line.split('=')[0]}`);
  }
}

function appSaw(res: NginxResponse): AppRequest {
  assert.equal(res.status, 200, `expected the app's answer, got ${res.status}: ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body) as AppRequest;
}

/** A password sign-in as raw bytes (latin1), so header values no client library would send can be tried. */
function rawSignIn(host: string, userAgent: string, username: string, password: string): string {
  const body = JSON.stringify({ passwordCredentials: { username, password } });
  return (
    `POST /api/v1/auth/signin HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${userAgent}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

interface SessionJson {
  sessionId: string;
  clientInfo: { userAgent: string; ipAddress: string; browser: string };
}

/** Requests the gateway logged (pino-http's "request completed" lines) for one path. */
function loggedRequests(logText: string, path: string): number {
  return logText.split('\n').filter((line) => line.includes(`"url":"${path}"`)).length;
}

/** Three failed sign-ins then the right password: the 4th try must meet the per-IP limit of 3. */
const PER_IP_LIMIT = { GATEWAY_SIGNIN_MAX_FAILURES_PER_IP: '3', GATEWAY_BCRYPT_COST: '4' };

/** The client addresses the gateway recorded for failed sign-ins. */
async function auditAddresses(gw: { deps: Deps }): Promise<string[]> {
  const entries = await gw.deps.store.auditLogs.list({ beforeId: null, limit: 50, event: 'signin.failure' });
  return entries.map((e) => e.ipAddress);
}

function describeRealStack(mode: StorageMode): void {
  describe(`H headers, proxy and auth_request: the real gateway behind the shipped nginx [${mode}]`, () => {
    let stack: Stack;
    let admin: SignedIn;
    let user: { id: number; username: string; password: string };
    let userJar: string;
    let userToken: string;
    let adminToken: string;

    before(async () => {
      stack = await startStack(mode, { rateLimits: 'unlimited' });
      admin = await createAdmin(stack.gw);
      user = await createUser(stack.gw, { email: 'erin@example.test' }, admin);
      const signedIn = signedInFrom(await stack.signInRequest(user.username, user.password));
      userJar = signedIn.jar.header('sso_session');
      userToken = signedIn.accessToken;
      adminToken = signedInFrom(await stack.signInRequest(admin.username, admin.password)).accessToken;
    });

    after(async () => {
      await stack?.stop();
    });

    // --- H73 ---------------------------------------------------------------------------------------------------

    test('H73 trust proxy is the configured list (default loopback), never true; a setting that trusts every peer stops the start', () => {
      assert.deepEqual(requireConfig({}).trustedProxies, ['loopback']);
      const setting: unknown = stack.gw.app.get('trust proxy');
      assert.notEqual(setting, true);
      assert.deepEqual(setting, ['loopback']);
      const trust = stack.gw.app.get('trust proxy fn') as TrustProxy;
      assert.equal(trust('127.0.0.1', 0), true);
      assert.equal(trust('::1', 0), true);
      for (const address of ['203.0.113.9', '10.0.0.1', '192.168.1.1', '2001:db8::1']) {
        assert.equal(trust(address, 0), false, `${address} is not a trusted hop`);
      }
      for (const value of ['true', '*', '0.0.0.0/0', '::/0']) {
        assert.throws(() => requireConfig({ GATEWAY_TRUSTED_PROXIES: value }), /would trust every client/, `GATEWAY_TRUSTED_PROXIES=${value} must not start`);
      }
    });

    test('H73 through nginx, a fresh X-Forwarded-For, X-Real-IP, Forwarded or True-Client-IP on every try still hits one per-IP counter', async () => {
      const limited = await startStack(mode, { env: PER_IP_LIMIT, rateLimits: 'unlimited' });
      try {
        const owner = await createAdmin(limited.gw);
        for (let i = 1; i <= 3; i++) {
          const res = await limited.signInRequest(`nobody-${i}`, 'wrong password', spoofedAddress(i));
          assert.equal(res.status, 401, `try ${i}: ${res.body}`);
        }
        const banned = await limited.signInRequest(owner.username, owner.password, spoofedAddress(4));
        assert.equal(banned.status, 429, banned.body);
        assert.match((JSON.parse(banned.body) as { message: string }).message, /too many/, "the gateway's limit, not nginx's");
        assert.equal(banned.headers['set-cookie'], undefined);
        assert.deepEqual(await auditAddresses(limited.gw), ['127.0.0.1', '127.0.0.1', '127.0.0.1'], 'every try came from nginx');
      } finally {
        await limited.stop();
      }
    });

    test('H73 directly, a peer outside GATEWAY_TRUSTED_PROXIES cannot pick its address with forwarding headers', async () => {
      const gw = await startTestGateway(mode, { env: { GATEWAY_TRUSTED_PROXIES: '192.0.2.1', ...PER_IP_LIMIT } });
      try {
        const owner = await createAdmin(gw);
        for (let i = 1; i <= 3; i++) {
          const res = await gw.http.post('/api/v1/auth/signin').set(spoofedAddress(i)).send({ passwordCredentials: { username: `nobody-${i}`, password: 'x' } });
          assert.equal(res.status, 401, `try ${i}`);
        }
        const banned = await gw.http
          .post('/api/v1/auth/signin')
          .set(spoofedAddress(4))
          .send({ passwordCredentials: { username: owner.username, password: owner.password } });
        assert.equal(banned.status, 429);
        assert.deepEqual(await auditAddresses(gw), ['127.0.0.1', '127.0.0.1', '127.0.0.1']);
      } finally {
        await gw.close();
      }
    });

    test('H73 rotating IPv6 addresses inside one /64, forwarded by the trusted proxy, share one counter; the next /64 has its own', async () => {
      const gw = await startTestGateway(mode, { env: PER_IP_LIMIT }); // trusts loopback: this test is the proxy
      try {
        const owner = await createAdmin(gw);
        const inside = ['2001:db8:7:1::1', '2001:db8:7:1:ffff:ffff:ffff:fffe', '2001:db8:7:1:a:b:c:d'];
        for (const [i, address] of inside.entries()) {
          const res = await gw.http.post('/api/v1/auth/signin').set('X-Forwarded-For', address).send({ passwordCredentials: { username: `nobody-${i}`, password: 'x' } });
          assert.equal(res.status, 401, address);
        }
        const creds = { passwordCredentials: { username: owner.username, password: owner.password } };
        const banned = await gw.http.post('/api/v1/auth/signin').set('X-Forwarded-For', '2001:db8:7:1:1234::5').send(creds);
        assert.equal(banned.status, 429, 'another address of the same /64');
        const neighbour = await gw.http.post('/api/v1/auth/signin').set('X-Forwarded-For', '2001:db8:7:2::1').send(creds);
        assert.equal(neighbour.status, 200, 'the next /64 is a different client');
        assert.deepEqual((await auditAddresses(gw)).sort(), [...inside].sort(), 'the forwarded address was recorded');
      } finally {
        await gw.close();
      }
    });

    // --- H74 ---------------------------------------------------------------------------------------------------

    test('H74 the session list shows the address nginx observed, not the X-Forwarded-For the client sent', async () => {
      const userAgent = `Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 h74-${mode}`;
      const signedIn = signedInFrom(
        await stack.signInRequest(user.username, user.password, { ...spoofedAddress(8), 'X-Forwarded-For': '8.8.8.8', 'User-Agent': userAgent }),
      );
      const res = await stack.toGateway(`/api/v1/users/${user.id}/sessions`, { Authorization: `Bearer ${signedIn.accessToken}` });
      assert.equal(res.status, 200, res.body);
      const session = (JSON.parse(res.body) as { sessions: SessionJson[] }).sessions.find((s) => s.clientInfo.userAgent === userAgent);
      assert.ok(session, 'the new session is listed');
      assert.equal(session.clientInfo.ipAddress, '127.0.0.1');
      assert.equal(session.clientInfo.browser, 'Firefox 128.0');
    });

    test('H74 a User-Agent with CR, LF, NUL, DEL, BEL or ANSI ESC is refused with 400 by nginx and by the Node HTTP parser in front of the gateway (guards the strict parser settings, no insecureHTTPParser): nothing stored, nothing logged', async () => {
      const gatewayPort = Number(new URL(await stack.gw.listen()).port);
      const sessionsBefore = (await stack.gw.http.get(`/api/v1/users/${user.id}/sessions`).set(admin.auth)).body.sessions.length as number;
      const signInsLogged = loggedRequests(stack.gw.logText(), '/api/v1/auth/signin');
      const userAgents = [
        'ansi \x1b[31mred\x1b[0m',
        'title \x1b]0;owned\x07',
        'fold\r\n {"level":60,"msg":"forged"}',
        'bare\rcarriage return',
        'nul\x00byte',
        'del\x7fbyte',
        'bell\x07',
      ];
      for (const userAgent of userAgents) {
        const label = JSON.stringify(userAgent);
        const viaNginx = await rawExchange(stack.nginx.httpsPort, GATEWAY_HOST, rawSignIn(`${GATEWAY_HOST}:${stack.nginx.httpsPort}`, userAgent, user.username, user.password));
        assert.equal(viaNginx.status, 400, `nginx: ${label}`);
        const direct = await rawExchange(gatewayPort, null, rawSignIn('127.0.0.1', userAgent, user.username, user.password));
        assert.equal(direct.status, 400, `gateway: ${label}`);
      }
      const sessionsAfter = (await stack.gw.http.get(`/api/v1/users/${user.id}/sessions`).set(admin.auth)).body.sessions.length as number;
      assert.equal(sessionsAfter, sessionsBefore, 'no session was started');
      assert.equal(loggedRequests(stack.gw.logText(), '/api/v1/auth/signin'), signInsLogged, 'no sign-in reached the routes');
    });

    test('H74 C1 controls (8-bit CSI), a forged JSON log line and escaped CR/LF text in a User-Agent stay data: exact in the session list and audit log, one JSON event per log line', async () => {
      const marker = `forged-${mode}`;
      const userAgent = `h74 \x9b2J\x9b31m {"level":60,"msg":"${marker}"} \\r\\n\\u001b[0m`;
      const host = `${GATEWAY_HOST}:${stack.nginx.httpsPort}`;
      const ok = await rawExchange(stack.nginx.httpsPort, GATEWAY_HOST, rawSignIn(host, userAgent, user.username, user.password));
      assert.equal(ok.status, 200, ok.text.slice(0, 300));
      const failed = await rawExchange(stack.nginx.httpsPort, GATEWAY_HOST, rawSignIn(host, userAgent, user.username, 'wrong password'));
      assert.equal(failed.status, 401);

      const adminAuth = { Authorization: `Bearer ${adminToken}` };
      const sessions = await stack.toGateway(`/api/v1/users/${user.id}/sessions`, adminAuth);
      const stored = (JSON.parse(sessions.body) as { sessions: SessionJson[] }).sessions.filter((s) => s.clientInfo.userAgent === userAgent);
      assert.equal(stored.length, 1, 'the exact User-Agent, as data');
      assert.equal(stored[0]!.clientInfo.ipAddress, '127.0.0.1');
      const audit = await stack.toGateway('/api/v1/audit-logs?event=signin.failure', adminAuth);
      assert.equal(audit.status, 200, audit.body);
      const entries = (JSON.parse(audit.body) as { auditLogs: Array<{ userAgent: string }> }).auditLogs;
      assert.ok(entries.some((e) => e.userAgent === userAgent), 'the audit entry keeps the exact User-Agent');

      const logText = stack.gw.logText();
      assert.doesNotMatch(logText, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, 'no raw control character in the gateway log');
      const lines = logText.split('\n').filter((line) => line.length > 0);
      assert.ok(lines.length > 0);
      for (const line of lines) {
        const event = JSON.parse(line) as { level?: unknown; msg?: unknown };
        assert.equal(typeof event.level, 'number', `one event per line: ${line.slice(0, 120)}`);
        assert.notEqual(event.msg, marker, 'a User-Agent never becomes a log event of its own');
      }
      const accessLog = await readFile(stack.nginx.accessLog, 'latin1');
      assert.doesNotMatch(accessLog, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, 'no raw control character in nginx\'s access log');
      for (const line of accessLog.split('\n').filter(Boolean)) assert.match(line, /^127\.0\.0\.1 \[/, 'one request per line');
    });

    // --- H75 ---------------------------------------------------------------------------------------------------

    test('H75 over HTTPS, X-Forwarded-Proto: http and Forwarded: proto=http without Origin still get Secure cookies, through nginx and directly', async () => {
      const downgrade = { 'X-Forwarded-Proto': 'http', Forwarded: 'proto=http', 'X-Forwarded-Scheme': 'http', 'X-Forwarded-Ssl': 'off' };
      const through = await stack.signInRequest(user.username, user.password, downgrade);
      assert.equal(through.status, 200, through.body);
      assertSecureCookies(through.headers['set-cookie'], 'sign-in through nginx');
      const jar = signedInFrom(through).jar;
      const refreshed = await stack.toGateway('/api/v1/auth/refresh', { ...downgrade, Cookie: jar.header('memos_refresh') }, 'POST');
      assert.equal(refreshed.status, 200, refreshed.body);
      for (const line of refreshed.headers['set-cookie'] ?? []) assert.match(line, /;\s*Secure(?:;|$)/i, `refresh: ${line.split('=')[0]}`);
      assert.ok((refreshed.headers['set-cookie'] ?? []).length > 0, 'the refresh sets a cookie');

      const direct = await stack.gw.http.post('/api/v1/auth/signin').set(downgrade).send({ passwordCredentials: { username: user.username, password: user.password } });
      assert.equal(direct.status, 200);
      assertSecureCookies(direct.headers['set-cookie'] as unknown as string[], 'sign-in at the gateway directly');
    });

    test('H75 the plain-HTTP listener sets no cookie and proxies nothing: the sign-in page gets a 301 to HTTPS, a password sign-in never reaches the gateway', async () => {
      const signInsLogged = loggedRequests(stack.gw.logText(), '/api/v1/auth/signin');
      const appRequests = stack.app.seen.length;
      const plain = (host: string, path: string, method = 'GET', body?: string, headers: Record<string, string> = {}) =>
        nginxRequest(stack.nginx.httpPort, { host, path, method, headers, tls: false, ...(body !== undefined ? { body } : {}) });

      const page = await plain(GATEWAY_HOST, '/auth?redirect=%2F', 'GET', undefined, BROWSER);
      assert.equal(page.status, 301);
      assert.equal(page.headers.location, `https://${GATEWAY_HOST}/auth?redirect=%2F`);
      assert.equal(page.headers['set-cookie'], undefined);

      const body = JSON.stringify({ passwordCredentials: { username: user.username, password: user.password } });
      const signIn = await plain(GATEWAY_HOST, '/api/v1/auth/signin', 'POST', body, { 'Content-Type': 'application/json' });
      assert.notEqual(signIn.status, 200);
      assert.equal(signIn.headers['set-cookie'], undefined);
      assert.doesNotMatch(signIn.body, /accessToken/);

      const app = await plain(APP_HOST, '/docs', 'GET', undefined, { ...BROWSER, Cookie: userJar });
      assert.equal(app.status, 301);
      assert.equal(app.headers.location, `https://${APP_HOST}/docs`);

      assert.equal(loggedRequests(stack.gw.logText(), '/api/v1/auth/signin'), signInsLogged, 'the gateway saw no sign-in');
      assert.equal(stack.app.seen.length, appRequests, 'the app saw nothing');
    });

    // --- H76 ---------------------------------------------------------------------------------------------------

    test('H76 identity and original-request headers sent by the client never reach the app: it sees only the identity the gateway answered', async () => {
      const forged = {
        'X-Auth-Request-User': admin.username,
        'X-Auth-Request-User-Id': '1',
        'X-Auth-Request-Role': 'ADMIN',
        'X-Auth-Request-Email': 'root@example.test',
        'X-Auth-Request-Groups': 'admins',
        X_Auth_Request_User_Id: '1',
        'X-Original-URL': `${APP}/public`,
        'X-Original-Method': 'GET',
        'X-Forwarded-Uri': '/public',
        'X-Forwarded-Host': 'evil.example',
      };
      const seen = appSaw(await stack.toApp('/docs/h76', { Cookie: userJar, ...forged }));
      assert.equal(seen.url, '/docs/h76');
      assert.equal(seen.headers['x-auth-request-user'], user.username);
      assert.equal(seen.headers['x-auth-request-user-id'], String(user.id));
      assert.equal(seen.headers['x-auth-request-role'], 'USER');
      assert.equal(seen.headers['x-auth-request-email'], 'erin@example.test');
      assert.equal(seen.headers['x-auth-request-groups'], undefined);
      assert.equal(seen.headers['x_auth_request_user_id'], undefined, 'the underscore spelling is dropped');
      assert.equal(seen.headers['x-original-url'], undefined);
      assert.equal(seen.headers['x-original-method'], undefined);
      assert.equal(seen.headers['x-forwarded-uri'], undefined);
      assert.equal(seen.headers['x-forwarded-host'], APP_HOST);
    });

    test('H76 a forged X-Original-URL, X-Original-Method or X-Auth-Request-User-Id moves no decision: nginx sends the real request to /auth/verify', async () => {
      const appRequests = stack.app.seen.length;
      const forgedTarget = { 'X-Original-URL': `${APP}/docs`, 'X-Original-Method': 'GET', 'X-Forwarded-Uri': '/docs', 'X-Forwarded-Host': 'other.example.test' };
      const denied = await stack.toApp('/admin/h76', { ...BROWSER, Cookie: userJar, ...forgedTarget });
      assert.equal(denied.status, 403, 'judged on /admin/h76, not on the forged /docs');
      for (const path of ['/docs', '/api/items']) {
        const anonymous = await stack.toApp(path, { ...BROWSER, 'X-Auth-Request-User-Id': '1', 'X-Auth-Request-User': admin.username, ...forgedTarget });
        assert.ok([302, 401].includes(anonymous.status), `${path}: ${anonymous.status}`);
      }
      assert.equal(stack.app.seen.length, appRequests, 'the app was never reached');
    });

    test('H76 directly, the gateway reads X-Original-URL only from a trusted proxy: from any other peer no target is believed', async () => {
      const trusted = await verify(stack.gw, { Authorization: `Bearer ${userToken}` }, `${APP}/docs`);
      assert.equal(trusted.status, 200, 'from the trusted proxy the target is judged');
      const untrusting = await startTestGateway(mode, {
        storage: stack.gw.storage,
        env: forwardAuthEnv(null, { GATEWAY_INSTANCE_URL: stack.instanceUrl, GATEWAY_ACCESS_RULES_FILE: stack.rulesPath, GATEWAY_TRUSTED_PROXIES: '192.0.2.1' }),
      });
      try {
        for (const token of [userToken, adminToken]) {
          const byUrl = await verify(untrusting, { Authorization: `Bearer ${token}` }, `${APP}/docs`);
          assert.equal(byUrl.status, 403, 'an unbelieved target is never allowed while rules exist');
          const byParts = await untrusting.http
            .get('/auth/verify')
            .set({ Authorization: `Bearer ${token}`, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': APP_HOST, 'X-Forwarded-Uri': '/docs' });
          assert.equal(byParts.status, 403);
        }
      } finally {
        await untrusting.close();
      }
    });

    // --- H78 (the real gateway; the body half runs against the stand-in below) ---------------------------------

    test('H78 /auth/verify is a 404 from outside even with a valid session, and a 50 MB POST without credentials never reaches the app', async () => {
      const outside = await stack.toGateway('/auth/verify', { Cookie: userJar, 'X-Original-URL': `${APP}/docs` });
      assert.equal(outside.status, 404);
      assert.equal(outside.headers['x-auth-request-user'], undefined);
      const internal = await stack.toApp('/_sso/verify', { Cookie: userJar });
      assert.equal(internal.status, 404);
      const appRequests = stack.app.seen.length;
      const big = Buffer.alloc(50 * 1024 * 1024, 0x61);
      const res = await stack.send({
        host: APP_HOST,
        path: '/api/upload',
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(big.length) },
        body: big,
        timeoutMs: 30_000,
      });
      assert.equal(res.status, 401);
      assert.equal(stack.app.seen.length, appRequests);
    });

    // --- H79 ---------------------------------------------------------------------------------------------------

    const GUARDED_SPELLINGS = [
      '/api/admin',
      '/API/admin',
      '/Api/Admin/x',
      '/api//admin',
      '/api/admin/',
      '/api/%61dmin',
      '/api/%41DMIN',
      '/api/./admin',
      '/api/x/../admin',
      '/api/admin;x',
      '/api/admin%2F..',
      '/api/admin%2fx',
      '/api/%2561dmin',
    ];

    test('H79 through nginx, no spelling of the guarded prefix /api/admin reaches the app without credentials or as a non-admin', async () => {
      const appRequests = stack.app.seen.length;
      for (const path of GUARDED_SPELLINGS) {
        for (const [who, headers] of [
          ['anonymous', MACHINE],
          ['anonymous browser', BROWSER],
          ['user (cookie)', { ...BROWSER, Cookie: userJar }],
          ['user (bearer)', { ...MACHINE, Authorization: `Bearer ${userToken}` }],
        ] as const) {
          const res = await stack.toApp(path, headers);
          assert.notEqual(res.status, 200, `${who} ${path}`);
          assert.ok(res.status >= 300 && res.status < 500, `${who} ${path}: a denial, got ${res.status}`);
        }
      }
      assert.equal(stack.app.seen.length, appRequests, 'the app was never reached');
      // The rule is a rule, not a blanket denial: the admin passes, and the user reaches the rest of the API.
      assert.equal(appSaw(await stack.toApp('/api/admin/x', { Authorization: `Bearer ${adminToken}` })).url, '/api/admin/x');
      assert.equal(appSaw(await stack.toApp('/api/administrators', { Authorization: `Bearer ${userToken}` })).url, '/api/administrators');
    });

    test('H79 at /auth/verify the same spellings are never 200 without a credential or for a non-admin', async () => {
      for (const path of GUARDED_SPELLINGS) {
        const url = `${APP}${path}`;
        const anonymous = await verify(stack.gw, {}, url);
        assert.equal(anonymous.status, 401, `anonymous ${path}`);
        const asUser = await verify(stack.gw, { Authorization: `Bearer ${userToken}` }, url);
        assert.equal(asUser.status, 403, `user ${path}`);
      }
      assert.equal((await verify(stack.gw, { Authorization: `Bearer ${adminToken}` }, `${APP}/API/./admin/`)).status, 200);
    });

    test("H79 the gateway's own admin route in Express's case-insensitive, slash-tolerant spellings is never 200 without the admin role", async () => {
      const spellings = ['/api/v1/users', '/API/v1/users', '/Api/V1/Users', '/api/v1/users/', '/api/v1//users', '/api//v1/users', '/api/v1/%75sers', '/api/v1/./users', '/api/v1/users;x', '/api/v1/users%2F'];
      for (const path of spellings) {
        for (const [who, headers] of [
          ['anonymous', MACHINE],
          ['user', { ...MACHINE, Authorization: `Bearer ${userToken}` }],
        ] as const) {
          const viaNginx = await stack.toGateway(path, headers);
          assert.notEqual(viaNginx.status, 200, `${who} ${path} through nginx`);
          assert.doesNotMatch(viaNginx.body, /"users"\s*:/, `${who} ${path}: no user list`);
          const direct = await stack.gw.http.get(path).set(headers);
          assert.notEqual(direct.status, 200, `${who} ${path} directly`);
        }
      }
      const control = await stack.toGateway('/API/v1/users', { Authorization: `Bearer ${adminToken}` });
      assert.equal(control.status, 200, 'Express routes this spelling, and the admin guard is on it');
    });

    // --- H80 ---------------------------------------------------------------------------------------------------

    test('H80 every location and status of the gateway host (200, 303, 301, 401, 404) carries nginx\'s security headers, one copy each', async () => {
      const form = { 'Content-Type': 'application/x-www-form-urlencoded', Origin: stack.instanceUrl };
      const cases: Array<[number, Promise<NginxResponse>]> = [
        [200, stack.toGateway('/api/v1/instance/profile')],
        [200, stack.toGateway('/auth?redirect=%2F', BROWSER)],
        [200, stack.toGateway('/healthz')],
        [200, stack.signInRequest(user.username, user.password)],
        [303, stack.toGateway('/auth/signin', form, 'POST', 'username=&password=')],
        [401, stack.signInRequest(user.username, 'wrong password')],
        [401, stack.toGateway('/api/v1/auth/refresh', {}, 'POST')],
        [401, stack.toGateway('/api/v1/auth/me')],
        [404, stack.toGateway('/auth/verify', { Cookie: userJar })],
        [404, stack.toGateway('/auth/no-such-page', BROWSER)],
        [404, stack.toGateway('/no-such-thing')],
      ];
      for (const [status, pending] of cases) {
        const res = await pending;
        assert.equal(res.status, status, res.body.slice(0, 200));
        assertGatewayHeaders(res, `gateway ${status}`);
      }
      const plain = await nginxRequest(stack.nginx.httpPort, { host: GATEWAY_HOST, path: '/auth', tls: false });
      assert.equal(plain.status, 301);
      assertCommonHeaders(plain, 'gateway 301 (plain HTTP)');
    });

    test('H80 every location and status of the app host (200, 302, 401, 403, 404, 502) carries the security headers', async () => {
      const cookie = { Cookie: userJar };
      const cases: Array<[number, () => Promise<NginxResponse>]> = [
        [200, () => stack.toApp('/docs', cookie)],
        [200, () => stack.toApp('/api/items', { Authorization: `Bearer ${userToken}` })],
        [302, () => stack.toApp('/docs', BROWSER)],
        [302, () => stack.toApp('/moved', cookie)],
        [401, () => stack.toApp('/api/items', MACHINE)],
        [401, () => stack.toApp('/docs', MACHINE)],
        [401, () => stack.toApp('/api/items', { Authorization: 'Bearer not-a-token' })],
        [403, () => stack.toApp('/admin', { ...BROWSER, ...cookie })],
        [404, () => stack.toApp('/missing', cookie)],
        [404, () => stack.toApp('/_sso/verify', cookie)],
        [502, () => stack.toApp('/crash', cookie)],
      ];
      for (const [status, send] of cases) {
        const res = await send();
        assert.equal(res.status, status, res.body.slice(0, 200));
        assertAppHeaders(res, `app ${status}`);
      }
    });

    test('H80 auth routes answer with Cache-Control: no-store, whatever the outcome', async () => {
      const fresh = signedInFrom(await stack.signInRequest(user.username, user.password));
      const bearer = { Authorization: `Bearer ${fresh.accessToken}` };
      const form = { 'Content-Type': 'application/x-www-form-urlencoded', Origin: stack.instanceUrl };
      const responses: Array<[string, NginxResponse]> = [
        ['sign-in 200', fresh.response],
        ['sign-in 401', await stack.signInRequest(user.username, 'wrong password')],
        ['refresh 200', await stack.toGateway('/api/v1/auth/refresh', { Cookie: fresh.jar.header('memos_refresh') }, 'POST')],
        ['refresh 401', await stack.toGateway('/api/v1/auth/refresh', {}, 'POST')],
        ['me 200', await stack.toGateway('/api/v1/auth/me', bearer)],
        ['sessions 200', await stack.toGateway(`/api/v1/users/${user.id}/sessions`, bearer)],
        ['sign-in page 200', await stack.toGateway('/auth', BROWSER)],
        ['form sign-in 303', await stack.toGateway('/auth/signin', form, 'POST', 'username=&password=')],
        ['sign-out 200', await stack.toGateway('/api/v1/auth/signout', { Cookie: fresh.jar.header() }, 'POST')],
      ];
      for (const [label, res] of responses) {
        assert.ok(res.status < 500, `${label}: ${res.status}`);
        assert.match(String(res.headers['cache-control'] ?? ''), /\bno-store\b/, label);
      }
    });

    test('H80 CORS: Origin null and foreign origins get no Access-Control-Allow-Origin or -Credentials, preflight or not, through nginx and directly', async () => {
      const bearer = { Authorization: `Bearer ${userToken}` };
      for (const origin of ['null', 'https://evil.example', `https://${APP_HOST}.evil.example`, 'http://auth.example.test']) {
        const preflight = { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, authorization' };
        const answers: Array<[string, NginxResponse]> = [
          ['preflight sign-in', await stack.toGateway('/api/v1/auth/signin', preflight, 'OPTIONS')],
          ['preflight refresh', await stack.toGateway('/api/v1/auth/refresh', preflight, 'OPTIONS')],
          ['sign-in', await stack.signInRequest('nobody-cors', 'wrong password', { Origin: origin })],
          ['me', await stack.toGateway('/api/v1/auth/me', { ...bearer, Origin: origin })],
        ];
        for (const [label, res] of answers) {
          assert.equal(res.headers['access-control-allow-origin'], undefined, `${label}, Origin ${origin}`);
          assert.equal(res.headers['access-control-allow-credentials'], undefined, `${label}, Origin ${origin}`);
        }
        const direct = await stack.gw.http.options('/api/v1/auth/signin').set(preflight);
        assert.equal(direct.headers['access-control-allow-origin'], undefined, `direct preflight, Origin ${origin}`);
        const directMe = await stack.gw.http.get('/api/v1/auth/me').set({ ...bearer, Origin: origin });
        assert.equal(directMe.status, 200);
        assert.equal(directMe.headers['access-control-allow-origin'], undefined, `direct, Origin ${origin}`);
        assert.equal(directMe.headers['access-control-allow-credentials'], undefined);
      }
    });
  });
}

for (const mode of STORAGE_MODES) describeRealStack(mode);

describe('H nginx towards a misbehaving auth service (a stand-in in the gateway\'s place)', () => {
  let standIn: StandInGateway;
  let app: CountingApp;
  let nginx: NginxHandle;

  const toApp = (path: string, headers: Record<string, string>, method = 'GET', body?: Buffer) =>
    nginxRequest(nginx.httpsPort, { host: APP_HOST, path, method, headers, timeoutMs: 30_000, ...(body ? { body } : {}) });
  const toGateway = (path: string, headers: Record<string, string> = {}) =>
    nginxRequest(nginx.httpsPort, { host: GATEWAY_HOST, path, headers });

  before(async () => {
    standIn = await startStandInGateway();
    app = await startCountingApp();
    nginx = await startNginx({ gatewayPort: standIn.port, appPort: app.port, rateLimits: 'unlimited' });
  });

  after(async () => {
    await nginx?.stop();
    await app?.stop();
    await standIn?.stop();
  });

  test('H77 an auth answer of 500, 503, 404, 400, 302, 301, 429, a malformed status line or a reset is a denial by nginx; the app is never reached', async () => {
    const appRequests = app.seen.length;
    const calls = standIn.verifyCalls.length;
    const modes = ['status-500', 'status-503', 'status-404', 'status-400', 'status-302', 'status-301', 'status-429', 'garbage', 'reset'];
    for (const mode of modes) {
      for (const [path, accept] of [['/page', BROWSER], ['/api/items', MACHINE]] as const) {
        const res = await toApp(path, { ...accept, Authorization: `Bearer ${mode}` });
        assert.ok(DENIALS.includes(res.status), `${mode} on ${path}: got ${res.status}`);
        assert.equal(res.headers.location, undefined, `${mode} on ${path}: no redirect passed on`);
        assert.equal(res.headers['retry-after'], undefined, `${mode} on ${path}: nginx's own answer`);
        assertAppHeaders(res, `${mode} on ${path}`);
      }
    }
    assert.equal(app.seen.length, appRequests, 'the app was never reached');
    assert.ok(standIn.verifyCalls.length - calls >= modes.length * 2, 'every request was asked about');
  });

  test('H77 only a 2xx lets a request through, with that answer\'s identity; 401 passes the WWW-Authenticate on, 403 stays 403', async () => {
    const appRequests = app.seen.length;
    const allowed = appSaw(await toApp('/page', { Authorization: 'Bearer allow' }));
    assert.equal(allowed.headers['x-auth-request-user'], STAND_IN_IDENTITY.user);
    assert.equal(allowed.headers['x-auth-request-user-id'], STAND_IN_IDENTITY.userId);
    appSaw(await toApp('/page', { Authorization: 'Bearer status-204' }));
    assert.equal(app.seen.length, appRequests + 2);

    const unauthorized = await toApp('/api/items', { ...MACHINE, Authorization: 'Bearer status-401' });
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.headers['www-authenticate'], STAND_IN_CHALLENGE);
    const forbidden = await toApp('/page', { ...BROWSER, Authorization: 'Bearer status-403' });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers.location, undefined);
    assert.equal(app.seen.length, appRequests + 2);
  });

  test('H78 a 50 MB POST to a protected route never reaches the auth service: its subrequest is a GET with no body and no Content-Length', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 0x61);
    const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(big.length) };
    let calls = standIn.verifyCalls.length;
    const uploaded = appSaw(await toApp('/upload', { ...headers, Authorization: 'Bearer allow' }, 'POST', big));
    assert.equal(uploaded.bodyBytes, big.length, 'the app gets the body');
    const denied = await toApp('/api/upload', headers, 'POST', big);
    assert.equal(denied.status, 401);
    const subrequests = standIn.verifyCalls.slice(calls);
    assert.equal(subrequests.length, 2);
    for (const call of subrequests) {
      assert.equal(call.method, 'GET');
      assert.equal(call.bodyBytes, 0);
      assert.equal(call.headers['content-length'], undefined);
      assert.equal(call.headers['transfer-encoding'], undefined);
      assert.equal(call.headers['content-type'], undefined);
      assert.equal(call.headers['x-original-method'], 'POST');
    }
    calls = standIn.verifyCalls.length;
    const outside = await toGateway('/auth/verify', { Authorization: 'Bearer allow' });
    assert.equal(outside.status, 404);
    const internal = await toApp('/_sso/verify', { Authorization: 'Bearer allow' });
    assert.equal(internal.status, 404);
    assert.equal(standIn.verifyCalls.length, calls, '/auth/verify is for nginx\'s subrequests only');
  });

  test('H80 the 500 of a failed auth check and the 502 of a dead upstream carry the security headers on both hosts', async () => {
    const gateway502 = await toGateway('/crash');
    assert.equal(gateway502.status, 502);
    assertGatewayHeaders(gateway502, 'gateway 502');
    const app502 = await toApp('/crash', { Authorization: 'Bearer allow' });
    assert.equal(app502.status, 502);
    assertAppHeaders(app502, 'app 502');
    const app500 = await toApp('/page', { Authorization: 'Bearer status-500' });
    assert.equal(app500.status, 500);
    assertAppHeaders(app500, 'app 500');
  });

  // Last: it changes the running nginx's configuration.
  test('H77 an auth service that hangs past proxy_read_timeout is a denial (the shipped 10 s set to 1 s in the rendered config)', async () => {
    await reloadWithChange(nginx, 'snippets/auth-verify-location.conf', 'proxy_read_timeout 10s;', 'proxy_read_timeout 1s;');
    const appRequests = app.seen.length;
    const calls = standIn.verifyCalls.length;
    const res = await toApp('/api/items', { Authorization: 'Bearer hang' });
    assert.ok(DENIALS.includes(res.status), `got ${res.status}`);
    assertAppHeaders(res, 'timeout');
    assert.ok(standIn.verifyCalls.length > calls, 'the subrequest was made and left hanging');
    assert.equal(app.seen.length, appRequests, 'the app was never reached');
  });
});
