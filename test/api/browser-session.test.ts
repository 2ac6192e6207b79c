// The browser session (`gw_browser`) on both storage modes: the sign-in page opens it (HttpOnly, SameSite=Lax,
// Secure like the other cookies), a forged signature is not accepted, it survives a key rotation, and neither
// /auth/verify nor the JSON API ever sets it.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { createAdmin, type SignedIn } from '../support/users.js';

const ENV = { GATEWAY_INSTANCE_URL: 'http://127.0.0.1:8081', GATEWAY_ALLOWED_REDIRECT_HOSTS: '127.0.0.1:8081' };
const NAME = 'gw_browser';

function browserCookieLines(setCookie: unknown): string[] {
  const lines = Array.isArray(setCookie) ? (setCookie as string[]) : setCookie ? [String(setCookie)] : [];
  return lines.filter((l) => l.startsWith(`${NAME}=`));
}

/** `gw_browser=s%3A<sid>.<signature>` from a Set-Cookie line, and the session id inside it. */
function parseCookie(line: string): { pair: string; sid: string } {
  const pair = line.split(';')[0]!;
  const sid = decodeURIComponent(pair.slice(NAME.length + 1)).replace(/^s:/, '').split('.')[0]!;
  return { pair, sid };
}

for (const mode of STORAGE_MODES) {
  describe(`browser session [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: ENV });
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    async function openSession(): Promise<{ pair: string; sid: string; line: string }> {
      const res = await gw.http.get('/auth');
      assert.equal(res.status, 200);
      const lines = browserCookieLines(res.headers['set-cookie']);
      assert.equal(lines.length, 1, 'the sign-in page opens the browser session');
      return { ...parseCookie(lines[0]!), line: lines[0]! };
    }

    test('the sign-in page opens an HttpOnly, SameSite=Lax session holding a CSRF token in the ephemeral store', async () => {
      const { sid, line } = await openSession();
      assert.match(line, /;\s*HttpOnly(;|$)/i);
      assert.match(line, /;\s*SameSite=Lax(;|$)/i);
      assert.match(line, /;\s*Path=\/(;|$)/i);
      assert.match(line, /;\s*Expires=[^;]+ GMT(;|$)/i, 'lives an hour, not for the whole browser session');
      assert.doesNotMatch(line, /;\s*Secure/i, 'plain http instance, no trusted https proxy');
      assert.doesNotMatch(line, /;\s*Domain=/i, 'host-only');
      const stored = await gw.deps.ephemeral.get(`browser-session:${sid}`);
      assert.ok(stored, 'stored under its session id');
      assert.match(JSON.parse(stored).csrfToken as string, /^[A-Za-z0-9_-]{43}$/);
    });

    test('coming back with the cookie keeps the session and sets no new cookie', async () => {
      const { pair, sid } = await openSession();
      const before = JSON.parse((await gw.deps.ephemeral.get(`browser-session:${sid}`))!).csrfToken;
      const again = await gw.http.get('/auth').set('Cookie', pair);
      assert.equal(again.status, 200);
      assert.deepEqual(browserCookieLines(again.headers['set-cookie']), []);
      assert.equal(JSON.parse((await gw.deps.ephemeral.get(`browser-session:${sid}`))!).csrfToken, before);
    });

    test('a cookie with a forged signature is not accepted: a new session is opened', async () => {
      const { sid } = await openSession();
      const forged = `${NAME}=${encodeURIComponent(`s:${sid}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`)}`;
      const res = await gw.http.get('/auth').set('Cookie', forged);
      const lines = browserCookieLines(res.headers['set-cookie']);
      assert.equal(lines.length, 1);
      assert.notEqual(parseCookie(lines[0]!).sid, sid);
    });

    test('the session survives a signing-key rotation (every key verifies the cookie)', async () => {
      const { pair } = await openSession();
      const rotated = await gw.http.post('/api/v1/instance/signing-keys').set(admin.auth).send({});
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      const again = await gw.http.get('/auth').set('Cookie', pair);
      assert.deepEqual(browserCookieLines(again.headers['set-cookie']), [], 'same session, no new cookie');
      const fresh = await gw.http.get('/auth');
      assert.equal(browserCookieLines(fresh.headers['set-cookie']).length, 1, 'new sessions are signed with the new key');
    });

    test('the password form does not open a session of its own', async () => {
      const res = await gw.http.post('/auth/signin').type('form').set('Origin', 'http://127.0.0.1:8081')
        .send(new URLSearchParams({ username: admin.username, password: admin.password }).toString());
      assert.equal(res.status, 303);
      assert.deepEqual(browserCookieLines(res.headers['set-cookie']), []);
    });

    test('/auth/verify and /api/v1/* never set the browser-session cookie, with or without one', async () => {
      const { pair } = await openSession();
      const signInBody = { passwordCredentials: { username: admin.username, password: admin.password } };
      for (const cookie of [undefined, pair]) {
        const withCookie = (headers: Record<string, string>) => (cookie ? { ...headers, Cookie: cookie } : headers);
        const responses = [
          ['GET /auth/verify', await gw.http.get('/auth/verify').set(withCookie({ 'X-Forwarded-Uri': '/', 'X-Forwarded-Host': '127.0.0.1:8081' }))],
          ['GET /auth/verify (bearer)', await gw.http.get('/auth/verify').set(withCookie(admin.auth))],
          ['POST /api/v1/auth/signin', await gw.http.post('/api/v1/auth/signin').set(withCookie({})).send(signInBody)],
          ['GET /api/v1/auth/me', await gw.http.get('/api/v1/auth/me').set(withCookie(admin.auth))],
          ['GET /api/v1/instance/profile', await gw.http.get('/api/v1/instance/profile').set(withCookie({}))],
          ['GET /api/v1/identity-providers', await gw.http.get('/api/v1/identity-providers').set(withCookie({}))],
          ['GET /api/v1/users', await gw.http.get('/api/v1/users').set(withCookie(admin.auth))],
          ['GET /api/v1/nowhere', await gw.http.get('/api/v1/nowhere').set(withCookie({}))],
        ] as const;
        for (const [label, res] of responses) {
          assert.ok(res.status < 500, `${label}: ${res.status}`);
          assert.deepEqual(browserCookieLines(res.headers['set-cookie']), [], `${label} (cookie sent: ${cookie !== undefined})`);
        }
      }
    });
  });

  describe(`browser session behind https [${mode}]`, () => {
    let gw: TestGateway;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: { ...ENV, GATEWAY_INSTANCE_URL: 'https://sso.apps.example' } });
    });
    afterEach(() => gw.close());

    test('the cookie is Secure when the instance URL is https, as the other cookies are', async () => {
      const res = await gw.http.get('/auth').set('X-Forwarded-Proto', 'https');
      const lines = browserCookieLines(res.headers['set-cookie']);
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /;\s*Secure(;|$)/i);
      assert.match(lines[0]!, /;\s*HttpOnly(;|$)/i);
    });
  });
}
