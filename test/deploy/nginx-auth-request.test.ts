// The shipped nginx config (nginx/), rendered for loopback by test/support/nginx.ts, in front of two stand-in
// gateway replicas and a header-echoing app (plain node:http servers): proves the auth_request wiring itself.
//   - identity headers come from the gateway only (client copies replaced or dropped), gateway cookies and bearer
//     tokens never reach the app, forwarding headers are nginx's;
//   - 401 -> 302 to the gateway's Location on the browser location, plain 401 on the API location, 403 and 5xx
//     pass as they are, and the app is never reached without a 2xx from the gateway;
//   - security headers on 200/301/302/401/403/404/429/500/502, gateway host and app host;
//   - no body on the subrequest, /auth/verify not reachable from outside, rate limit answers 429, keepalive and
//     both replicas used.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { APP_HOST, GATEWAY_HOST, nginxRequest, startNginx, type NginxHandle, type NginxResponse } from '../support/nginx.js';

interface Seen {
  /** Order of arrival over all stand-in servers. */
  seq: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface FakeServer {
  server: Server;
  port: number;
  seen: Seen[];
  connections: number;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

let arrivals = 0;

async function listen(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void): Promise<FakeServer> {
  const fake: FakeServer = { server: undefined as unknown as Server, port: 0, seen: [], connections: 0 };
  fake.server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const seen: Seen = { seq: ++arrivals, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      fake.seen.push(seen);
      handler(req, res, seen);
    });
  });
  fake.server.on('connection', () => fake.connections++);
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  fake.port = (fake.server.address() as AddressInfo).port;
  return fake;
}

function close(fake: FakeServer): Promise<void> {
  return new Promise((resolve) => {
    fake.server.closeAllConnections();
    fake.server.close(() => resolve());
  });
}

/** Stand-in for the gateway: /auth/verify decides by the bearer token or the sso_session cookie. */
function gatewayHandler(replica: string) {
  return (req: IncomingMessage, res: ServerResponse, seen: Seen): void => {
    const url = new URL(seen.url, 'http://gateway');
    if (url.pathname === '/auth/verify') {
      const auth = req.headers.authorization ?? '';
      const cookie = req.headers.cookie ?? '';
      const identity = { 'X-Auth-Request-User': 'alice', 'X-Auth-Request-User-Id': '1', 'X-Auth-Request-Role': 'USER' };
      if (auth === 'Bearer good' || /(?:^|;\s*)sso_session=good(?:;|$)/.test(cookie)) {
        res.writeHead(200, { ...identity, 'X-Auth-Request-Email': 'alice@example.test', 'Content-Length': '0' });
      } else if (auth === 'Bearer grouped') {
        res.writeHead(200, { ...identity, 'X-Auth-Request-Groups': 'acme,acme/ops', 'Content-Length': '0' });
      } else if (auth === 'Bearer no-email') {
        res.writeHead(200, { ...identity, 'Content-Length': '0' });
      } else if (auth === 'Bearer forbidden') {
        res.writeHead(403, { 'Content-Length': '0' });
      } else if (auth === 'Bearer broken') {
        res.writeHead(500, { 'Content-Length': '0' });
      } else if (auth === 'Bearer ok-with-redirect-status') {
        res.writeHead(302, { Location: 'https://evil.example/', 'Content-Length': '0' });
      } else {
        const original = String(req.headers['x-original-url'] ?? '');
        const headers: Record<string, string> = { 'WWW-Authenticate': 'Bearer realm="sso-gateway"', 'Content-Length': '0' };
        if ((req.headers.accept ?? '').includes('text/html')) {
          headers.Location = `https://${GATEWAY_HOST}/auth?redirect=${encodeURIComponent(original)}`;
        }
        res.writeHead(401, headers);
      }
      res.end();
      return;
    }
    // Any other gateway route: echo, with the headers helmet would add (nginx must hide its duplicates).
    const body = JSON.stringify({ replica, method: seen.method, url: seen.url, headers: seen.headers });
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      'X-Frame-Options': 'SAMEORIGIN',
      'Strict-Transport-Security': 'max-age=1',
      'X-Powered-By': 'Express',
      'Content-Security-Policy': "default-src 'self'",
    });
    res.end(body);
  };
}

function appHandler(req: IncomingMessage, res: ServerResponse, seen: Seen): void {
  if (seen.url === '/crash') {
    req.socket.destroy();
    return;
  }
  const status = seen.url.startsWith('/missing') ? 404 : 200;
  const body = JSON.stringify(seen);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

let gw1: FakeServer;
let gw2: FakeServer;
let app: FakeServer;
let nginx: NginxHandle;

before(async () => {
  gw1 = await listen(gatewayHandler('gw1'));
  gw2 = await listen(gatewayHandler('gw2'));
  app = await listen(appHandler);
  nginx = await startNginx({ gatewayPort: [gw1.port, gw2.port], appPort: app.port });
});

after(async () => {
  await nginx?.stop();
  for (const fake of [gw1, gw2, app]) if (fake) await close(fake);
});

function toApp(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<NginxResponse> {
  return nginxRequest(nginx.httpsPort, { host: APP_HOST, path, method, headers, ...(body !== undefined ? { body } : {}) });
}

function toGateway(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<NginxResponse> {
  return nginxRequest(nginx.httpsPort, { host: GATEWAY_HOST, path, method, headers });
}

function appSaw(res: NginxResponse): Seen {
  assert.equal(res.status, 200, `expected the app's answer, got ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as Seen;
}

/** The last /auth/verify subrequest either replica received. */
function lastVerify(): Seen {
  const all = [...gw1.seen, ...gw2.seen].filter((s) => s.url.startsWith('/auth/verify'));
  const last = all.sort((a, b) => a.seq - b.seq).at(-1);
  assert.ok(last, 'no /auth/verify subrequest seen');
  return last;
}

function appRequests(): number {
  return app.seen.length;
}

function assertAppSecurityHeaders(res: NginxResponse, label: string): void {
  assert.equal(res.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains', `${label}: HSTS`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${label}: nosniff`);
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${label}: X-Frame-Options`);
  assert.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin', `${label}: Referrer-Policy`);
}

function assertGatewaySecurityHeaders(res: NginxResponse, label: string): void {
  assert.equal(res.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains', `${label}: HSTS`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${label}: nosniff`);
  assert.equal(res.headers['x-frame-options'], 'DENY', `${label}: X-Frame-Options (one value, nginx's)`);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', `${label}: Referrer-Policy`);
  const csp = String(res.headers['content-security-policy'] ?? '');
  assert.match(csp, /frame-ancestors 'none'/, `${label}: nginx's CSP`);
}

describe('forward auth on the protected app', () => {
  test('groups: the app gets the gateway\'s X-Auth-Request-Groups, never a client\'s', async () => {
    const seen = appSaw(await toApp('/notes', { Authorization: 'Bearer grouped', 'X-Auth-Request-Groups': 'admins' }));
    assert.equal(seen.headers['x-auth-request-groups'], 'acme,acme/ops');
    assert.equal(seen.headers['x-auth-request-user'], 'alice');
  });

  test('signed-in request: identity headers come from the gateway, client copies are replaced', async () => {
    const res = await toApp('/notes?q=1', {
      Authorization: 'Bearer good',
      Accept: 'text/html',
      'X-Auth-Request-User': 'mallory',
      'X-Auth-Request-Email': 'mallory@evil.example',
      'X-Auth-Request-User-Id': '999',
      'X-Auth-Request-Role': 'ADMIN',
      'X-Auth-Request-Groups': 'admins',
      X_Auth_Request_User: 'mallory-underscore',
    });
    const seen = appSaw(res);
    assert.equal(seen.url, '/notes?q=1');
    assert.equal(seen.headers['x-auth-request-user'], 'alice');
    assert.equal(seen.headers['x-auth-request-email'], 'alice@example.test');
    assert.equal(seen.headers['x-auth-request-user-id'], '1');
    assert.equal(seen.headers['x-auth-request-role'], 'USER');
    assert.equal(seen.headers['x-auth-request-groups'], undefined);
    assert.equal(seen.headers['x_auth_request_user'], undefined, 'underscore variant dropped');
    assertAppSecurityHeaders(res, '200');
  });

  test('an identity header the gateway does not send is absent, not the client copy', async () => {
    const seen = appSaw(await toApp('/', { Authorization: 'Bearer no-email', 'X-Auth-Request-Email': 'ceo@example.test' }));
    assert.equal(seen.headers['x-auth-request-user'], 'alice');
    assert.equal(seen.headers['x-auth-request-email'], undefined);
  });

  test('the subrequest carries the original URL and method, set by nginx, and no body', async () => {
    const res = await toApp(
      '/upload/x?a=1&b=2',
      {
        Authorization: 'Bearer good',
        'Content-Type': 'application/json',
        'X-Original-URL': 'https://evil.example/forged',
        'X-Original-Method': 'GET',
        'X-Forwarded-For': '203.0.113.9',
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Proto': 'http',
        'User-Agent': 'curl/8 admin-bypass',
      },
      'POST',
      '{"big":"body"}',
    );
    const seenByApp = appSaw(res);
    assert.equal(seenByApp.method, 'POST');
    assert.equal(seenByApp.body, '{"big":"body"}', 'the app gets the body');

    const verify = lastVerify();
    assert.equal(verify.method, 'GET');
    assert.equal(verify.url, '/auth/verify');
    assert.equal(verify.headers['x-original-url'], `https://${APP_HOST}:${nginx.httpsPort}/upload/x?a=1&b=2`);
    assert.equal(verify.headers['x-original-method'], 'POST');
    assert.equal(verify.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(verify.headers['x-forwarded-host'], APP_HOST);
    assert.equal(verify.headers['x-forwarded-proto'], 'https');
    assert.equal(verify.headers['user-agent'], 'nginx-auth-request');
    assert.equal(verify.headers['content-length'], undefined);
    assert.equal(verify.headers['content-type'], undefined);
    assert.equal(verify.body, '', 'no body on the subrequest');
    assert.equal(verify.headers.authorization, 'Bearer good', 'the gateway sees the credential');
  });

  test('a Host header that is not a plain host[:port] does not reach X-Original-URL', async () => {
    const res = await nginxRequest(nginx.httpsPort, {
      host: APP_HOST,
      hostHeader: `${APP_HOST}:1@evil.example`,
      path: '/p',
      headers: { Authorization: 'Bearer good' },
    });
    // nginx either rejects the Host (400) or serves the app with X-Original-URL built from $host.
    if (res.status === 400) return;
    appSaw(res);
    assert.equal(lastVerify().headers['x-original-url'], `https://${APP_HOST}/p`);
  });

  test('forwarding headers reaching the app are nginx\'s, gateway cookies and bearer tokens are stripped', async () => {
    const seen = appSaw(
      await toApp('/', {
        Authorization: 'Bearer good',
        Cookie: 'theme=dark; sso_session=good; memos_refresh=rt; lang=en',
        'X-Forwarded-For': '203.0.113.9',
        'X-Real-IP': '203.0.113.9',
        Forwarded: 'for=203.0.113.9;proto=http',
        'X-Original-URL': 'https://evil.example/',
      }),
    );
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers['x-real-ip'], '127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.equal(seen.headers['x-forwarded-host'], APP_HOST);
    assert.equal(seen.headers.forwarded, undefined);
    assert.equal(seen.headers['x-original-url'], undefined);
    assert.equal(seen.headers.host, APP_HOST);
    assert.equal(seen.headers.cookie, 'theme=dark; lang=en');
    assert.equal(seen.headers.authorization, undefined, 'bearer token stripped');
    // ... while the gateway saw them all.
    assert.equal(lastVerify().headers.cookie, 'theme=dark; sso_session=good; memos_refresh=rt; lang=en');
  });

  test('cookie stripping keeps other cookies wherever the gateway cookies are', async () => {
    const cases: Array<[string, string | undefined]> = [
      ['sso_session=good', undefined],
      ['sso_session=good; a=1', 'a=1'],
      ['a=1; sso_session=good', 'a=1'],
      ['memos_refresh=x; sso_session=good; b=2', 'b=2'],
      ['xsso_session=1; sso_session=good; sso_session_other=3', 'xsso_session=1; sso_session_other=3'],
      // A planted duplicate: rather no cookies than a gateway credential.
      ['sso_session=good; a=1; sso_session=planted', undefined],
      // The device cookie (issue 9 item 6) is the gateway's too.
      ['sso_device=d; sso_session=good; a=1', 'a=1'],
      ['a=1; sso_device=d; sso_session=good; b=2', 'a=1; b=2'],
      ['sso_session=good; sso_device=d; a=1; sso_device=planted', undefined],
    ];
    for (const [sent, expected] of cases) {
      const seen = appSaw(await toApp('/', { Cookie: sent }));
      assert.equal(seen.headers.cookie, expected, `Cookie: ${sent}`);
      assert.doesNotMatch(String(seen.headers.cookie ?? ''), /(?:^|;\s*)(?:sso_session|memos_refresh|sso_device)=/);
    }
  });

  test('an app\'s own Basic credentials pass; only bearer tokens are removed', async () => {
    const seen = appSaw(await toApp('/', { Cookie: 'sso_session=good', Authorization: 'Basic YWxpY2U6cHc=' }));
    assert.equal(seen.headers.authorization, 'Basic YWxpY2U6cHc=');
  });

  test('browser location: 401 becomes a 302 to the gateway\'s sign-in URL; the app is not reached', async () => {
    const before = appRequests();
    const res = await toApp('/private/page?x=1', { Accept: 'text/html,application/xhtml+xml' });
    assert.equal(res.status, 302);
    const original = `https://${APP_HOST}:${nginx.httpsPort}/private/page?x=1`;
    assert.equal(res.headers.location, `https://${GATEWAY_HOST}/auth?redirect=${encodeURIComponent(original)}`);
    assertAppSecurityHeaders(res, '302');
    assert.equal(appRequests(), before);
  });

  test('browser location: a 401 without Location (non-browser caller) stays a plain 401', async () => {
    const res = await toApp('/page', { Accept: 'application/json' });
    assert.equal(res.status, 401);
    assert.equal(res.headers.location, undefined);
    assertAppSecurityHeaders(res, '401 (browser location)');
  });

  test('API location: a plain 401 with the gateway\'s WWW-Authenticate, never a redirect', async () => {
    const before = appRequests();
    const res = await toApp('/api/v1/items', { Accept: 'text/html' });
    assert.equal(res.status, 401);
    assert.equal(res.headers.location, undefined);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="sso-gateway"');
    assertAppSecurityHeaders(res, '401 (API)');
    const signedIn = appSaw(await toApp('/api/v1/items', { Authorization: 'Bearer good' }));
    assert.equal(signedIn.headers['x-auth-request-user'], 'alice');
    assert.equal(appRequests(), before + 1);
  });

  test('403 passes through (no redirect), 5xx and unexpected statuses fail closed', async () => {
    const before = appRequests();
    const forbidden = await toApp('/', { Authorization: 'Bearer forbidden', Accept: 'text/html' });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers.location, undefined);
    assertAppSecurityHeaders(forbidden, '403');

    const broken = await toApp('/', { Authorization: 'Bearer broken', Accept: 'text/html' });
    assert.equal(broken.status, 500);
    assertAppSecurityHeaders(broken, '500');

    const redirected = await toApp('/api/x', { Authorization: 'Bearer ok-with-redirect-status' });
    assert.equal(redirected.status, 500, 'a 3xx from the gateway is not an allow');
    assert.equal(redirected.headers.location, undefined);
    assert.equal(appRequests(), before, 'the app was never reached');
  });

  test('the verify location is internal: 404 from outside, with security headers', async () => {
    const res = await toApp('/_sso/verify', { Authorization: 'Bearer good' });
    assert.equal(res.status, 404);
    assertAppSecurityHeaders(res, '404 (internal)');
  });

  test('security headers on the app\'s own 404 and on 502', async () => {
    const missing = await toApp('/missing', { Authorization: 'Bearer good' });
    assert.equal(missing.status, 404);
    assertAppSecurityHeaders(missing, '404 (app)');
    const crashed = await toApp('/crash', { Authorization: 'Bearer good' });
    assert.equal(crashed.status, 502);
    assertAppSecurityHeaders(crashed, '502');
  });

  test('both gateway replicas answer subrequests, over kept-alive connections', async () => {
    const before1 = gw1.seen.length;
    const before2 = gw2.seen.length;
    const connectionsBefore = gw1.connections + gw2.connections;
    for (let i = 0; i < 30; i++) appSaw(await toApp('/', { Authorization: 'Bearer good' }));
    const hits1 = gw1.seen.length - before1;
    const hits2 = gw2.seen.length - before2;
    assert.equal(hits1 + hits2, 30);
    assert.ok(hits1 > 0 && hits2 > 0, `round robin over both replicas (${hits1}/${hits2})`);
    const newConnections = gw1.connections + gw2.connections - connectionsBefore;
    assert.ok(newConnections <= 4, `keepalive to the gateway: ${newConnections} new connections for 30 subrequests`);
  });
});

describe('the gateway host', () => {
  test('API and pages are proxied with nginx\'s forwarding headers and one set of security headers', async () => {
    const res = await toGateway('/api/v1/auth/me', {
      'X-Forwarded-For': '203.0.113.9',
      'X-Original-URL': 'https://evil.example/',
      'X-Original-Method': 'DELETE',
      Cookie: 'sso_session=abc',
    });
    assert.equal(res.status, 200);
    const seen = JSON.parse(res.body) as Seen;
    assert.equal(seen.url, '/api/v1/auth/me');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.equal(seen.headers['x-original-url'], undefined);
    assert.equal(seen.headers['x-original-method'], undefined);
    assert.equal(seen.headers.cookie, 'sso_session=abc', 'the gateway keeps its own cookies');
    assertGatewaySecurityHeaders(res, 'gateway 200');
    assert.equal(res.headers['x-powered-by'], undefined);

    const page = await toGateway('/auth?redirect=%2F');
    assert.equal(page.status, 200);
    assert.equal((JSON.parse(page.body) as Seen).url, '/auth?redirect=%2F');
    assertGatewaySecurityHeaders(page, 'sign-in page');
  });

  test('/auth/verify is not reachable from outside', async () => {
    const before = gw1.seen.length + gw2.seen.length;
    const res = await toGateway('/auth/verify', { Authorization: 'Bearer good' });
    assert.equal(res.status, 404);
    assertGatewaySecurityHeaders(res, 'gateway 404');
    assert.equal(gw1.seen.length + gw2.seen.length, before);
  });

  test('probes pass from loopback (an allow list keeps them off the internet)', async () => {
    // From 127.0.0.1 (this test) they pass; the allow list is what keeps them internal.
    const res = await toGateway('/readyz');
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).url, '/readyz');
  });

  test('password sign-in is rate limited with 429 (and security headers)', async () => {
    const statuses: number[] = [];
    let limited: NginxResponse | undefined;
    for (let i = 0; i < 14; i++) {
      const res = await toGateway('/api/v1/auth/signin', { 'Content-Type': 'application/json' }, 'POST');
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    assert.equal(statuses.filter((s) => s === 200).length, 11, `1 + burst of 10 pass: ${statuses.join(',')}`);
    assert.ok(limited, 'a 429');
    assertGatewaySecurityHeaders(limited, 'gateway 429');
  });
});

describe('plain HTTP and unknown names', () => {
  test('HTTP redirects to HTTPS with 301', async () => {
    const res = await nginxRequest(nginx.httpPort, { host: APP_HOST, path: '/a?b=1', tls: false });
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, `https://${APP_HOST}/a?b=1`);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  test('an unknown Host over HTTP gets no answer (444)', async () => {
    await assert.rejects(nginxRequest(nginx.httpPort, { host: 'evil.example', path: '/', tls: false }));
  });

  test('an unknown SNI name is refused at the TLS handshake', async () => {
    const error = await new Promise<Error | undefined>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: nginx.httpsPort, servername: 'evil.example', rejectUnauthorized: false });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', (err) => resolve(err));
    });
    assert.ok(error, 'handshake must fail');
  });

  test('nginx\'s own health endpoint answers on its loopback listener', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const socket = netConnect({ host: '127.0.0.1', port: nginx.statusPort }, () => {
        socket.write('GET /nginx-health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(body, /^HTTP\/1\.1 200/);
    assert.match(body, /\r\n\r\nok\n$/);
  });
});
