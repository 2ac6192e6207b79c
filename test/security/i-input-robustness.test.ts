// Security catalogue, group I: input robustness (cases 81–88). Body size caps (a few kB on auth routes, refused
// before the body is read), nesting depth, JSON-only bodies in UTF-8 only, malformed text, prototype pollution,
// oversized headers, HTTP framing conflicts against the real process (main.ts's server), and errors that never
// carry internals.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { AUTH_BODY_LIMIT, DEFAULT_BODY_LIMIT } from '../../src/http/json-body.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startGatewayProcess, type GatewayProcess } from '../support/process-gateway.js';
import { createAdmin, createUser, uniqueUsername, type SignedIn } from '../support/users.js';
import { startCapturingGateway, type CapturingGateway } from '../support/capturing-gateway.js';
import { head, portOf, rawExchange } from '../support/raw-http.js';
import { createFakeIdp, ssoSignIn, startFakeProvider, UPSTREAM_SECRET, type FakeProvider } from '../support/failing-oauth2-provider.js';

const JSON_TYPE = { 'Content-Type': 'application/json' };
const STACK = /\bat [\w.<>]+ \(|node_modules|\.ts:\d+/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

function assertErrorJson(res: { status: number; body: Record<string, unknown>; headers: Record<string, string>; text: string }, status: number, what: string): void {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text.slice(0, 120)}`);
  assert.match(String(res.headers['content-type']), /application\/json/, what);
  assert.equal(typeof res.body.code, 'number', what);
  assert.doesNotMatch(res.text, STACK, `${what}: no stack trace`);
}

for (const mode of STORAGE_MODES) {
  describe(`I input robustness [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    let base: string;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      admin = await createAdmin(gw);
      base = await gw.listen();
    });
    afterEach(() => gw.close());

    test('I81 200 KB and 10 MB bodies to signin, refresh and signout are 413; auth routes are capped at 4 kB, the rest at 16 kB', async () => {
      assert.equal(AUTH_BODY_LIMIT, '4kb');
      assert.equal(DEFAULT_BODY_LIMIT, '16kb');
      const big = JSON.stringify({ pad: 'x'.repeat(200 * 1024) });
      const huge = JSON.stringify({ pad: 'x'.repeat(10 * 1024 * 1024) });
      for (const path of ['/api/v1/auth/signin', '/api/v1/auth/refresh', '/api/v1/auth/signout']) {
        for (const [what, body] of [['200 KB', big], ['10 MB', huge]] as const) {
          assertErrorJson(await gw.http.post(path).set(JSON_TYPE).send(body), 413, `${what} to ${path}`);
        }
      }
      const fiveKb = JSON.stringify({ passwordCredentials: { username: 'x', password: 'y' }, pad: 'x'.repeat(5 * 1024) });
      assertErrorJson(await gw.http.post('/api/v1/auth/signin').set(JSON_TYPE).send(fiveKb), 413, '5 kB to signin');
      const create = await gw.http.post('/api/v1/users').set(admin.auth).set(JSON_TYPE).send(JSON.stringify({ username: uniqueUsername(), pad: 'x'.repeat(5 * 1024) }));
      assert.equal(create.status, 400, '5 kB passes the 16 kB cap of other routes (and fails validation)');
      const twentyKb = JSON.stringify({ username: uniqueUsername(), password: 'pw', pad: 'x'.repeat(20 * 1024) });
      assertErrorJson(await gw.http.post('/api/v1/users').set(admin.auth).set(JSON_TYPE).send(twentyKb), 413, '20 kB to users');
    });

    test('I81 an oversized body is 413 whether declared by Content-Length or streamed chunked (counted as it arrives)', async () => {
      // The parser refuses from Content-Length alone and from the running byte count of a chunked body; it then
      // discards (never buffers) the rest so the client can read the answer. nginx (client_max_body_size 1m) and
      // the server's requestTimeout bound how long a client may take to send it.
      const port = portOf(base);
      const tenMb = Buffer.alloc(10 * 1024 * 1024, 'x');
      const declared = await rawExchange(port, [
        head('POST /api/v1/auth/signin HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', `Content-Length: ${tenMb.length + 9}`, 'Connection: close']),
        '{"pad":"',
        tenMb,
        '}',
      ], { timeoutMs: 20_000 });
      assert.equal(declared.status, 413);
      const chunk = `{"pad":"${'x'.repeat(200 * 1024)}"}`;
      const chunked = await rawExchange(port, [
        head('POST /api/v1/auth/signin HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Transfer-Encoding: chunked', 'Connection: close']),
        `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
      ]);
      assert.equal(chunked.status, 413);
      assert.match(chunked.body, /"code":3/);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    });

    test('I82 deep nesting within the size caps is a 400 from the depth limit, deeper bodies 413; the process keeps answering', async () => {
      const cases: [string, string, string, number][] = [
        ['2 000-deep arrays', '/api/v1/auth/signin', nestedArrays(2000), 400],
        ['8 000-deep arrays', '/api/v1/users', nestedArrays(8000), 400],
        ['2 000-deep objects', '/api/v1/users', nestedObjects(2000), 400],
        ['50 000-deep arrays', '/api/v1/users', nestedArrays(50_000), 413],
        ['5 000-deep objects', '/api/v1/users', nestedObjects(5000), 413],
        ['50 000-deep arrays', '/api/v1/auth/signin', nestedArrays(50_000), 413],
      ];
      for (const [what, path, body, status] of cases) {
        const res = await gw.http.post(path).set(admin.auth).set(JSON_TYPE).send(body);
        assertErrorJson(res, status, `${what} to ${path}`);
        if (status === 400) assert.match(String(res.body.message), /nested deeper than 16 levels/, what);
      }
      const form = await gw.http.post('/api/v1/users').set(admin.auth).type('form').send('a[b][c][d][e]=1');
      assertErrorJson(form, 415, 'url-encoded to the API');
      const page = await gw.http.post('/auth/signin').type('form').send(`${'a'.repeat(10)}${'[x]'.repeat(500)}=1&username=x&password=y`);
      assert.ok(page.status < 500, `the one form route answers ${page.status}`);
      assert.equal((await gw.http.get('/healthz')).status, 200);
      assert.equal((await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } })).status, 200);
    });

    test('I83 a body that is not UTF-8 JSON is 415 on JSON endpoints (no type, text, form, multipart, UTF-16, Latin-1)', async () => {
      const endpoints: [string, string][] = [
        ['post', '/api/v1/auth/signin'],
        ['post', '/api/v1/users'],
        ['patch', '/api/v1/users/me'],
        ['post', '/api/v1/users/me/personalAccessTokens'],
      ];
      const types = [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=xyz',
        'application/json; charset=utf-16',
        'application/json; charset=UTF-16LE',
        'application/json; charset=iso-8859-1',
        'application/xml',
      ];
      const usersBefore = await gw.deps.store.users.count();
      for (const [method, path] of endpoints) {
        for (const type of types) {
          const res = await gw.http[method as 'post' | 'patch'](path).set(admin.auth).set('Content-Type', type).send('{"username":"x"}');
          assertErrorJson(res, 415, `${type} to ${method} ${path}`);
        }
        const untyped = await rawExchange(portOf(base), [
          head(`${method.toUpperCase()} ${path} HTTP/1.1`, ['Host: 127.0.0.1', `Authorization: Bearer ${admin.accessToken}`, 'Content-Length: 16', 'Connection: close']),
          '{"username":"x"}',
        ]);
        assert.equal(untyped.status, 415, `no Content-Type to ${method} ${path}`);
      }
      // A UTF-16 body whose bytes also pass as UTF-8: refused for its charset, not decoded.
      const utf16 = Buffer.from(JSON.stringify({ username: uniqueUsername(), password: 'correct horse battery' }), 'utf16le');
      const sneaky = await fetch(`${base}/api/v1/users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin.accessToken}`, 'Content-Type': 'application/json; charset=utf-16le' },
        body: utf16,
      });
      assert.equal(sneaky.status, 415, 'UTF-16 body');
      assert.equal(await gw.deps.store.users.count(), usersBefore, 'nothing was created');
      const utf8 = await gw.http.post('/api/v1/auth/signin').set('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify({ passwordCredentials: { username: admin.username, password: admin.password } }));
      assert.equal(utf8.status, 200, 'explicit UTF-8 is fine');
    });

    test('I84 invalid UTF-8, overlong forms, lone surrogates, a BOM and NUL in credentials are 400 or 401, never a sign-in or 500', async () => {
      const name = Buffer.from(admin.username);
      const pw = JSON.stringify(admin.password);
      const raw = (username: Buffer | string, password = Buffer.from(pw)) =>
        Buffer.concat([Buffer.from('{"passwordCredentials":{"username":"'), Buffer.from(username), Buffer.from('","password":'), password, Buffer.from('}}')]);
      const bodies: Record<string, Buffer> = {
        'invalid UTF-8 (C3 28) in username': raw(Buffer.concat([name, Buffer.from([0xc3, 0x28])])),
        'overlong slash (C0 AF) in username': raw(Buffer.concat([name, Buffer.from([0xc0, 0xaf])])),
        'UTF-8-encoded surrogate (ED A0 80)': raw(Buffer.concat([name, Buffer.from([0xed, 0xa0, 0x80])])),
        'lone surrogate escape in username': raw(`${admin.username}\\ud800`),
        'lone surrogate escape in password': raw(name, Buffer.from(`"${admin.password}\\udfff"`)),
        'NUL escape in username': raw(`${admin.username}\\u0000x`),
        'NUL escape in password': raw(name, Buffer.from(`"${admin.password}\\u0000"`)),
        'raw NUL byte in username': raw(Buffer.concat([name, Buffer.from([0])])),
        'invalid UTF-8 in password': raw(name, Buffer.concat([Buffer.from(`"${admin.password}`), Buffer.from([0xff]), Buffer.from('"')])),
        'BOM inside the username': raw(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), name])),
        'BOM escape inside the username': raw(`\\ufeff${admin.username}`),
        // A BOM before the JSON text may be ignored by a parser (RFC 8259 §8.1): the credentials then count as sent.
        'BOM before the JSON, wrong password': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), raw(name, Buffer.from('"not the password"'))]),
      };
      for (const [what, body] of Object.entries(bodies)) {
        // fetch sends the bytes as they are (supertest would re-encode a Buffer as JSON).
        const res = await fetch(`${base}/api/v1/auth/signin`, { method: 'POST', headers: JSON_TYPE, body });
        const text = await res.text();
        assert.ok(res.status === 400 || res.status === 401, `${what}: ${res.status} ${text}`);
        assert.equal(res.headers.get('set-cookie'), null, what);
        assert.doesNotMatch(text, /accessToken/, what);
        assert.doesNotMatch(text, /invalid credentials/, `${what}: judged for its bytes, not refused for its shape`);
      }
      // The browser form and the return URL: percent-decoding can make the same bytes.
      for (const bad of ['%C3%28', '%C0%AF', '%00', '%ED%A0%80', '%EF%BB%BF']) {
        const page = await gw.http.get(`/auth?redirect=${bad}`);
        assert.equal(page.status, 200, `sign-in page with redirect=${bad}`);
        const form = await gw.http
          .post('/auth/signin')
          .type('form')
          .send(`username=${encodeURIComponent(admin.username)}${bad}&password=${encodeURIComponent(admin.password)}&redirect=${bad}`);
        assert.ok(form.status < 500, `form with ${bad}: ${form.status}`);
        const cookies = ([] as string[]).concat(form.headers['set-cookie'] ?? []);
        assert.ok(!cookies.some((c) => c.startsWith('sso_session=') && !c.startsWith('sso_session=;')), `form with ${bad} signed nobody in`);
        assert.doesNotMatch(String(form.headers.location ?? ''), /%00|%C0|\u0000/i, 'the bad return URL was not used');
      }
    });

    test('I85 __proto__ and constructor.prototype in bodies, queries and forms are inert: no pollution, new users stay USER', async () => {
      const user = await createUser(gw, {}, admin);
      const bodies = [
        `{"username":"${uniqueUsername()}","password":"correct horse","__proto__":{"role":"ADMIN"}}`,
        `{"username":"${uniqueUsername()}","password":"correct horse","constructor":{"prototype":{"isAdmin":true,"role":"ADMIN"}}}`,
        `{"username":"${uniqueUsername()}","password":"correct horse","role":"USER","prototype":{"role":"ADMIN"}}`,
      ];
      for (const body of bodies) {
        const res = await gw.http.post('/api/v1/users?__proto__[role]=ADMIN').set(admin.auth).set(JSON_TYPE).send(body);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.role, 'USER', body);
      }
      const userSignIn = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: user.username, password: user.password } });
      const userAuth = { Authorization: `Bearer ${userSignIn.body.accessToken as string}` };
      const patch = await gw.http.patch('/api/v1/users/me?__proto__[role]=ADMIN&constructor[prototype][role]=ADMIN').set(userAuth).set(JSON_TYPE).send('{"__proto__":{"role":"ADMIN"},"displayName":"Proto"}');
      assert.equal(patch.status, 200);
      assert.equal(patch.body.role, 'USER');
      await gw.http.post('/auth/signin').type('form').send('a[__proto__]=b&a[__proto__]&a[length]=100000000&__proto__[role]=ADMIN&username=x&password=y');
      await gw.http.get('/api/v1/auth/me?__proto__[isAdmin]=true&constructor[prototype][isAdmin]=true').set(userAuth);
      const probe: Record<string, unknown> = {};
      assert.equal(probe.role, undefined, '({}).role');
      assert.equal(probe.isAdmin, undefined, '({}).isAdmin');
      assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'role'), false);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(userAuth)).body.user.role, 'USER');
      assert.equal((await gw.http.get('/healthz')).status, 200);
      const later = await createUser(gw, {}, admin);
      assert.equal(later.role, 'USER', 'users created afterwards are still USER');
    });
  });
}

for (const mode of STORAGE_MODES) {
  describe(`I86 oversized headers [${mode}]`, () => {
    let gw: CapturingGateway;
    let port: number;
    before(async () => {
      gw = await startCapturingGateway(mode, { logLevel: 'info' });
      port = portOf(await gw.listen());
    });
    after(() => gw.close());

    test('I86 a 20 KB Authorization, a 64 KB Cookie and 2 000 headers are 431 from Node; 300 cookies are answered; no crash, little logging', async () => {
      const logBefore = gw.logs().length;
      const request = (lines: string[]) => rawExchange(port, head('GET /auth/verify HTTP/1.1', ['Host: 127.0.0.1', 'Connection: close', ...lines]));
      const auth = await request([`Authorization: Bearer ${'A'.repeat(20 * 1024)}`]);
      assert.equal(auth.status, 431);
      const cookie = await request([`Cookie: big=${'c'.repeat(64 * 1024)}`]);
      assert.equal(cookie.status, 431);
      const many = await request(Array.from({ length: 2000 }, (_, i) => `X-Filler-${i}: ${'v'.repeat(8)}`));
      assert.equal(many.status, 431);
      const cookies300 = await request([`Cookie: ${Array.from({ length: 300 }, (_, i) => `c${i}=v${i}`).join('; ')}`]);
      assert.equal(cookies300.status, 401, 'a header block under the limit is judged normally');
      const api300 = await rawExchange(port, head('GET /api/v1/auth/me HTTP/1.1', ['Host: 127.0.0.1', 'Connection: close', `Cookie: ${Array.from({ length: 300 }, (_, i) => `c${i}=v${i}`).join('; ')}`]));
      assert.equal(api300.status, 401);
      assert.equal((await rawExchange(port, head('GET /healthz HTTP/1.1', ['Host: 127.0.0.1', 'Connection: close']))).status, 200, 'still answering');
      const logged = gw.logs().slice(logBefore);
      assert.ok(logged.length < 8 * 1024, `${logged.length} bytes logged for five requests`);
      assert.ok(!logged.includes('A'.repeat(64)) && !logged.includes('c'.repeat(64)), 'header values are not logged');
    });
  });
}

describe('I87 HTTP framing against the real process (npm start)', () => {
  let proc: GatewayProcess;
  before(async () => {
    proc = await startGatewayProcess({}, 30_000, { direct: true });
  });
  after(() => proc?.stop());

  test('I87 conflicting or malformed framing (TE + CL, xchunked, duplicate or odd Content-Length, obs-fold) is 400 from the Node HTTP parser (guards its strict settings: no insecureHTTPParser, no lenient flags) and nothing smuggles through', async () => {
    const smuggled = 'GET /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    const cases: Record<string, string> = {
      'Transfer-Encoding chunked + Content-Length': head('POST /api/v1/auth/signin HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', `Content-Length: ${5 + smuggled.length}`, 'Transfer-Encoding: chunked']) + `0\r\n\r\n${smuggled}`,
      'Transfer-Encoding xchunked': head('POST /api/v1/auth/signin HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Transfer-Encoding: xchunked']) + `0\r\n\r\n${smuggled}`,
      'Transfer-Encoding chunked, then identity': head('POST /api/v1/auth/signin HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Transfer-Encoding: chunked', 'Transfer-Encoding: identity']) + `0\r\n\r\n${smuggled}`,
      'two different Content-Lengths': head('POST /api/v1/auth/signin HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 2', 'Content-Length: 40']) + `{}${smuggled}`,
      'Content-Length "+2"': head('POST /api/v1/auth/signin HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: +2']) + `{}${smuggled}`,
      'Content-Length "2, 40"': head('POST /api/v1/auth/signin HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 2, 40']) + `{}${smuggled}`,
      'obs-fold header continuation': head('POST /api/v1/auth/signin HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 2', ' chunked']) + `{}${smuggled}`,
      'space before the colon': head('POST /api/v1/auth/signin HTTP/1.1', ['Host: 127.0.0.1', 'Content-Type: application/json', 'Transfer-Encoding : chunked', 'Content-Length: 2']) + `{}${smuggled}`,
    };
    const port = proc.port;
    for (const [what, bytes] of Object.entries(cases)) {
      const res = await rawExchange(port, bytes, { waitMs: 500 });
      assert.equal(res.status, 400, `${what}: ${res.text.slice(0, 100)}`);
      assert.equal(res.text.match(/HTTP\/1\.1 \d{3}/g)?.length, 1, `${what}: exactly one response (the smuggled request was not served)`);
      assert.ok(res.closed, `${what}: the connection is closed after the 400`);
    }
    const health = await rawExchange(port, head('GET /healthz HTTP/1.1', ['Host: 127.0.0.1', 'Connection: close']));
    assert.equal(health.status, 200, 'the process still answers');
  });
});

for (const mode of STORAGE_MODES) {
  describe(`I88 error bodies [${mode}]`, () => {
    let gw: CapturingGateway;
    let admin: SignedIn;
    let provider: FakeProvider;
    beforeEach(async () => {
      gw = await startCapturingGateway(mode, { logLevel: 'info' });
      admin = await createAdmin(gw);
      provider = await startFakeProvider();
    });
    afterEach(async () => {
      await gw.close();
      await provider.stop();
    });

    test('I88 an unexpected error is 500 "internal error" with a request id; the SQL and secrets of its cause stay in the log', async () => {
      const cause = "ER_PARSE_ERROR: You have an error in your SQL syntax near 'SELECT password_hash FROM user WHERE username = ?' secret=hunter2-internal";
      const users = gw.deps.store.users;
      const original = users.findByUsername.bind(users);
      users.findByUsername = async () => {
        throw Object.assign(new Error(cause), { sql: 'SELECT * FROM user', sqlMessage: cause });
      };
      let res;
      try {
        res = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } });
      } finally {
        users.findByUsername = original;
      }
      assert.equal(res.status, 500);
      assert.deepEqual(res.body, { code: 13, message: 'internal error', details: [] });
      const requestId = String(res.headers['x-request-id']);
      assert.match(requestId, UUID);
      assert.doesNotMatch(res.text, /SQL|SELECT|hunter2|password_hash/);
      const line = gw.logs().split('\n').find((l) => l.includes(requestId) && l.includes('hunter2-internal'));
      assert.ok(line, 'the operator finds the cause in the log under the request id');
    });

    test('I88 a database that is down is 503 "service unavailable" without its address; a thrown non-Error is a plain 500', async () => {
      const sessions = gw.deps.store.users;
      const original = sessions.findById.bind(sessions);
      sessions.findById = async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 10.9.8.7:3306'), { code: 'ECONNREFUSED' });
      };
      let down;
      try {
        down = await gw.http.get('/api/v1/auth/me').set(admin.auth);
      } finally {
        sessions.findById = original;
      }
      assert.equal(down.status, 503);
      assert.deepEqual(down.body, { code: 14, message: 'service unavailable', details: [] });
      assert.match(String(down.headers['x-request-id']), UUID);
      const settings = gw.deps.store.settings;
      const find = settings.find.bind(settings);
      settings.find = async () => {
        throw 'a string with internals: /var/lib/mysql';
      };
      let odd;
      try {
        odd = await gw.http.get('/api/v1/instance/settings/GENERAL');
      } finally {
        settings.find = find;
      }
      assert.equal(odd.status, 500);
      assert.deepEqual(odd.body, { code: 13, message: 'internal error', details: [] });
    });

    test('I88 an error on the forward-auth path is a bare 500 (no body) for nginx to deny', async () => {
      const pats = gw.deps.pats!;
      const original = pats.authenticate.bind(pats);
      pats.authenticate = async () => {
        throw new Error('SELECT token_hash FROM personal_access_token: deadlock');
      };
      let res;
      try {
        res = await gw.http.get('/auth/verify').set('Authorization', `Bearer memos_pat_${'Q'.repeat(32)}`);
      } finally {
        pats.authenticate = original;
      }
      assert.equal(res.status, 500);
      assert.equal(res.text, '');
      assert.equal(res.headers['content-length'], '0');
    });

    test("I88 an identity provider's error text (token refusal, crash, user-info failure or garbage) never reaches the caller", async () => {
      for (const [token, userInfo] of [['/token/refuse', '/userinfo/ok'], ['/token/crash', '/userinfo/ok'], ['/token/ok', '/userinfo/crash'], ['/token/ok', '/userinfo/garbage']] as const) {
        const uid = await createFakeIdp(gw, admin, provider, token, userInfo);
        const res = await ssoSignIn(gw, uid);
        const what = `${token} + ${userInfo}`;
        assert.ok(res.status >= 400 && res.status !== 500, `${what}: ${res.status}`);
        assert.equal(typeof res.body.code, 'number', what);
        assert.ok(!res.text.includes(UPSTREAM_SECRET), `${what}: the provider's words are not echoed`);
        assert.doesNotMatch(res.text, STACK, what);
        assert.match(String(res.headers['x-request-id']), UUID, what);
      }
    });
  });
}
