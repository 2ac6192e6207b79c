// The sign-in page (GET /auth) and its password form (POST /auth/signin), over HTTP on both storage modes:
// escaped provider buttons that keep the return URL, the form unless password sign-in is off, fixed error
// sentences for known codes only, a strict CSP, and a form that refuses cross-site posts.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { createAdmin, createUser, type SignedIn } from '../support/users.js';
import { createIdp, setCookieNames, setGeneral } from '../support/sso.js';

const ENV = { GATEWAY_INSTANCE_URL: 'http://127.0.0.1:8081', GATEWAY_ALLOWED_REDIRECT_HOSTS: '127.0.0.1:8081,.apps.example' };

function providerBody(title: string) {
  return {
    title,
    config: { oauth2Config: {
      clientId: 'id', clientSecret: 'secret', authUrl: 'https://idp.example/authorize', tokenUrl: 'https://idp.example/token',
      userInfoUrl: 'https://idp.example/user', fieldMapping: { identifier: 'sub' },
    } },
  };
}

for (const mode of STORAGE_MODES) {
  describe(`sign-in page [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: ENV });
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      gw.http.post('/auth/signin').type('form').set(headers).send(new URLSearchParams(fields).toString());

    test('shows one escaped button per provider and the password form, keeping the return URL', async () => {
      await createIdp(gw, admin, providerBody('<b>Evil & "Co"</b>'), 'evil');
      await createIdp(gw, admin, providerBody('GitHub'), 'github');
      const res = await gw.http.get('/auth').query({ redirect: 'https://wiki.apps.example/page?x=1&y=2' });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.text, /Continue with &lt;b&gt;Evil &amp; &quot;Co&quot;&lt;\/b&gt;/);
      assert.doesNotMatch(res.text, /<b>Evil/);
      assert.match(res.text, /href="\/auth\/sso\/github\?redirect=https%3A%2F%2Fwiki\.apps\.example%2Fpage%3Fx%3D1%26y%3D2"/);
      assert.match(res.text, /<input type="hidden" name="redirect" value="https:\/\/wiki\.apps\.example\/page\?x=1&amp;y=2">/);
      assert.match(res.text, /<form id="password-form" method="post" action="\/auth\/signin">/);
      // Scripts only as the gateway's own files (the passkey button), never inline; no inline styles.
      assert.doesNotMatch(res.text, /<script(?! src="\/auth\/assets\/(webauthn|passkeys)\.js" defer><\/script>)|style=/);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self';/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /form-action 'self' 127\.0\.0\.1:8081 apps\.example:\* \*\.apps\.example:\*/);
      assert.equal((await gw.http.get('/auth/assets/gateway.css')).headers['content-type'], 'text/css; charset=utf-8');
    });

    test('a return URL that is not allowed is dropped', async () => {
      await createIdp(gw, admin, providerBody('GitHub'), 'github');
      const res = await gw.http.get('/auth').query({ redirect: 'https://evil.example/' });
      assert.doesNotMatch(res.text, /evil\.example/);
      assert.match(res.text, /href="\/auth\/sso\/github"/);
      assert.match(res.text, /name="redirect" value="\/"/);
    });

    test('without password sign-in the form is gone and only the provider buttons remain', async () => {
      await createIdp(gw, admin, providerBody('Only'), 'only');
      await setGeneral(gw, admin, { disallowPasswordAuth: true });
      const res = await gw.http.get('/auth');
      assert.doesNotMatch(res.text, /password-form/);
      assert.match(res.text, /Continue with Only/);
    });

    test('a known error code shows its fixed sentence; anything else shows nothing', async () => {
      const known = await gw.http.get('/auth?error=invalid_credentials');
      assert.match(known.text, /<p class="alert" role="alert" id="error">The username or password is not correct\.<\/p>/);
      const unknown = await gw.http.get('/auth').query({ error: '<script>alert(1)</script>' });
      assert.doesNotMatch(unknown.text, /alert\(1\)|id="error"/);
    });

    test('the password form signs in with both cookies (and the device cookie) and a 303 to the return URL', async () => {
      const user = await createUser(gw, {}, admin);
      const res = await form({ username: user.username, password: user.password, redirect: 'https://wiki.apps.example/home' }, { Origin: 'http://127.0.0.1:8081' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, 'https://wiki.apps.example/home');
      assert.deepEqual(setCookieNames(res.headers['set-cookie']).sort(), ['memos_refresh', 'sso_device', 'sso_device', 'sso_session']);
    });

    test('a wrong password returns to the page with an error code and no cookie', async () => {
      const user = await createUser(gw, {}, admin);
      const res = await form({ username: user.username, password: 'nope', redirect: '/wiki' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/auth?error=invalid_credentials&redirect=%2Fwiki');
      assert.deepEqual(setCookieNames(res.headers['set-cookie']), []);
    });

    test('a regular user is sent back with password_disabled when password sign-in is off', async () => {
      const user = await createUser(gw, {}, admin);
      await createIdp(gw, admin, providerBody('Only'), 'only');
      await setGeneral(gw, admin, { disallowPasswordAuth: true });
      const res = await form({ username: user.username, password: user.password });
      assert.equal(res.headers.location, '/auth?error=password_disabled');
    });

    test('an archived user is sent back with account_archived, a wrong password with invalid_credentials', async () => {
      const user = await createUser(gw, {}, admin);
      await gw.deps.store.users.update(user.id, { state: 'ARCHIVED' }, gw.clock.now());
      const archived = await form({ username: user.username, password: user.password });
      assert.equal(archived.status, 303);
      assert.equal(archived.headers.location, '/auth?error=account_archived');
      assert.deepEqual(setCookieNames(archived.headers['set-cookie']), []);
      assert.equal((await form({ username: user.username, password: 'not the password' })).headers.location, '/auth?error=invalid_credentials');
    });

    test('a cross-site post of the form is ignored (login CSRF)', async () => {
      const user = await createUser(gw, {}, admin);
      const crossSite: Record<string, string>[] = [{ Origin: 'https://evil.example' }, { 'Sec-Fetch-Site': 'cross-site' }, { Origin: 'null' }];
      for (const headers of crossSite) {
        const res = await form({ username: user.username, password: user.password }, headers);
        assert.equal(res.status, 303, JSON.stringify(headers));
        assert.equal(res.headers.location, '/auth?error=cross_site');
        assert.deepEqual(setCookieNames(res.headers['set-cookie']), []);
      }
      const sameOrigin = await form({ username: user.username, password: user.password }, { 'Sec-Fetch-Site': 'same-origin', Origin: 'null' });
      assert.equal(sameOrigin.headers.location, '/');
    });

    test('a foreign return URL in the form becomes /', async () => {
      const user = await createUser(gw, {}, admin);
      const res = await form({ username: user.username, password: user.password, redirect: '//evil.example/' });
      assert.equal(res.headers.location, '/');
    });

    test('url-encoded bodies are accepted only by the form; JSON routes still answer 415', async () => {
      const res = await gw.http.post('/api/v1/auth/signin').type('form').send('username=a&password=b');
      assert.equal(res.status, 415);
    });
  });
}
