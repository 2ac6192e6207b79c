// Security catalogue, group E: redirect targets (cases 47–53). Every hostile return URL of the catalogue goes
// through all three places that take one: the SSO start (`/auth/sso/{uid}?redirect=`, followed to the final
// Location after the callback), the sign-in page (its hidden field and provider links, and the 303 after its
// password form), and checkReturnUrl itself. Spoofed Host headers never reach a Location or redirect_uri.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { checkReturnUrl } from '../../src/http/return-url.js';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { expectSsoAudit } from '../support/sso-audit.js';
import { GATEWAY_HOST, nginxRequest, startNginx, type NginxHandle } from '../support/nginx.js';
import { freePort } from '../support/services.js';
import { startProviders, type Providers } from '../support/sso.js';
import type { CapturingGateway } from '../support/capturing-gateway.js';
import { head, portOf, rawExchange } from '../support/raw-http.js';
import { authorizeAtFake, startFakeOidcIssuer, type FakeOidcIssuer } from '../support/tamperable-oidc-issuer.js';
import { finishFlow, startFlow, startSsoWorld, type SsoWorld } from '../support/sso-world.js';

const INSTANCE = 'https://auth.example.com';
/** An https gateway whose return URLs may also point to app.example.com; dev mode lets it use loopback test IdPs. */
const ENV = { GATEWAY_INSTANCE_URL: INSTANCE, GATEWAY_MODE: 'dev', GATEWAY_ALLOWED_REDIRECT_HOSTS: 'auth.example.com,app.example.com' };

/** A hostile return URL as it appears in a query string or form body (decoded exactly once by the gateway). */
const enc = (decoded: string) => encodeURIComponent(decoded);

const E47 = ['//evil.com', '/\\evil.com', '\\\\evil.com', '\\/evil.com', '/\t/evil.com', '/\r\n/evil.com', '/ /evil.com', '/./\\evil.com',
  '/../\\evil.com', 'https:evil.com', 'https:/evil.com', 'http://evil.com', 'javascript:alert(1)', 'JaVaScRiPt:', 'data:text/html,x'].map(enc);
const E48 = ['%2F%2Fevil.com', '%5C%5Cevil.com', '%252F%252Fevil.com', '/%09/evil.com', enc('／／evil.com'), '%E2%80%AE//evil.com', '%E2%80%AEmoc.live//:sptth'];
const E49 = ['https://app.example.com@evil.com', 'https://evil.com#@app.example.com', 'https://evil.com\\@app.example.com',
  'https://app.example.com.evil.com', 'https://evilapp.example.com', 'http://app.example.com'].map(enc);
const E50 = ['/x%0d%0aSet-Cookie:%20a=1', '/x%0dSet-Cookie:a=1', '/x%0aLocation:%20https://evil.com', '/x%E5%98%8A%E5%98%8DSet-Cookie:%20a=1'];

/** Same-site targets that survive, re-encoded on output and never decoded a second time. */
const SAFE: [raw: string, location: string][] = [
  [enc('/apps/wiki?page=1'), '/apps/wiki?page=1'],
  [enc('https://app.example.com/dashboard?x=1'), 'https://app.example.com/dashboard?x=1'],
  ['/%252F%252Fevil.com', '/%2F%2Fevil.com'],
  ['/%E2%80%AE/evil.com', '/%E2%80%AE/evil.com'],
  ['/x%E5%98%8A%E5%98%8DSet-Cookie:a=1', '/x%E5%98%8A%E5%98%8DSet-Cookie:a=1'],
];

let providers: Providers;
let fake: FakeOidcIssuer;
before(async () => {
  [providers, fake] = await Promise.all([startProviders(), startFakeOidcIssuer()]);
});
after(async () => {
  await Promise.all([providers.stop(), fake.stop()]);
});

for (const mode of STORAGE_MODES) {
  describe(`catalogue E: redirect targets [${mode}]`, () => {
    let w: SsoWorld;
    let gw: CapturingGateway;
    beforeEach(async () => {
      fake.reset();
      w = await startSsoWorld(mode, providers, fake, ENV);
      gw = w.gw;
    });
    afterEach(() => gw.close());

    /** The final Location of an SSO sign-in started with `?<query>` (the provider approves at once). */
    async function ssoDestination(query: string, headers: Record<string, string> = {}): Promise<string> {
      const start = await gw.http.get(`/auth/sso/${w.fakeUid}?${query}`).set(headers);
      assert.equal(start.status, 302, `${query}: ${JSON.stringify(start.body)}`);
      const cookie = (start.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
      const done = await finishFlow(gw, await authorizeAtFake(new URL(start.headers.location as string)), cookie).set(headers);
      assert.equal(done.status, 302, `${query}: ${JSON.stringify(done.body)}`);
      return done.headers.location as string;
    }

    /** What the sign-in page carries forward: its hidden redirect field and the redirect of its provider link. */
    async function pageDestination(query: string): Promise<{ field: string; link: string }> {
      const page = await gw.http.get(`/auth?${query}`);
      assert.equal(page.status, 200);
      const field = /name="redirect" value="([^"]*)"/.exec(page.text)?.[1];
      const href = new RegExp(`href="(/auth/sso/${w.fakeUid}[^"]*)"`).exec(page.text)?.[1];
      assert.ok(field !== undefined && href !== undefined, query);
      return { field: field.replace(/&amp;/g, '&'), link: new URL(href.replace(/&amp;/g, '&'), INSTANCE).searchParams.get('redirect') ?? '/' };
    }

    /** The Location after the page's password form is posted with `body` (url-encoded, redirect part raw). */
    async function formDestination(redirectPart: string, headers: Record<string, string> = {}): Promise<string> {
      const creds = `username=${enc(w.admin.username)}&password=${enc(w.admin.password)}`;
      const res = await gw.http.post('/auth/signin').type('form').set(headers).send(`${creds}&${redirectPart}`);
      assert.equal(res.status, 303, redirectPart);
      assert.match(String(res.headers['set-cookie']), /sso_session=/, 'signed in');
      return res.headers.location as string;
    }

    async function assertFallsBackEverywhere(raws: string[]): Promise<void> {
      for (const raw of raws) {
        assert.equal(checkReturnUrl(gw.deps.config, decodeURIComponent(raw)), null, `checkReturnUrl ${raw}`);
        assert.equal(await ssoDestination(`redirect=${raw}`), '/', `SSO ${raw}`);
        assert.deepEqual(await pageDestination(`redirect=${raw}`), { field: '/', link: '/' }, `page ${raw}`);
        assert.equal(await formDestination(`redirect=${raw}`), '/', `form ${raw}`);
      }
    }

    test('E47 only same-site paths are followed: //, /\\, backslashes, whitespace and control characters, dot segments, other schemes all become /', async () => {
      await assertFallsBackEverywhere(E47);
      for (const [raw, location] of SAFE.slice(0, 2)) {
        assert.equal(await ssoDestination(`redirect=${raw}`), location, 'a genuine target still works');
        assert.equal(await formDestination(`redirect=${raw}`), location);
      }
    });

    test('E48 encoded forms are decoded exactly once, checked with the WHATWG parser, and re-encoded on output', async () => {
      await assertFallsBackEverywhere(E48);
      for (const [raw, location] of SAFE.slice(2, 4)) {
        for (const where of [await ssoDestination(`redirect=${raw}`), await formDestination(`redirect=${raw}`)]) {
          assert.equal(where, location, raw);
          assert.match(where, /^[\x21-\x7e]+$/, 'percent-encoded ASCII on output');
          assert.equal(new URL(where, INSTANCE).origin, INSTANCE, 'still this site');
        }
        assert.equal((await pageDestination(`redirect=${raw}`)).link, decodeURIComponent(raw), 'the page passes it on once-decoded');
      }
    });

    test('E49 absolute URLs must match an allowed host exactly after parsing: userinfo, fragments, backslashes, look-alike hosts and http downgrades are refused', async () => {
      await assertFallsBackEverywhere(E49);
      assert.equal(checkReturnUrl(gw.deps.config, 'https://APP.example.com/x'), 'https://app.example.com/x', 'host case is normalised, not refused');
    });

    test('E50 CR/LF and their UTF-8 look-alikes never inject a header: one Location, no planted cookie; raw CR/LF is a 400 from the Node HTTP parser (its strict settings are what this guards) or ends the request line, never a crash', async () => {
      await assertFallsBackEverywhere(E50);
      const base = await gw.listen();
      const [raw, location] = SAFE[4]!;
      const form = `username=${enc(w.admin.username)}&password=${enc(w.admin.password)}&redirect=${raw}`;
      const posted = await rawExchange(portOf(base), head('POST /auth/signin HTTP/1.1', [
        'Host: auth.example.com', 'Connection: close', 'Content-Type: application/x-www-form-urlencoded', `Content-Length: ${Buffer.byteLength(form)}`,
      ]) + form);
      assert.equal(posted.status, 303);
      const headers = posted.text.slice(0, posted.text.indexOf('\r\n\r\n')).split('\r\n');
      assert.deepEqual(headers.filter((h) => /^location:/i.test(h)), [`Location: ${location}`], 'exactly one Location');
      assert.equal(headers.filter((h) => /^set-cookie: a=/i.test(h)).length, 0, 'no planted cookie');

      // Raw CR/LF cannot come from a browser (it encodes them); sent anyway, it ends the request line (the rest
      // is a request header the gateway ignores) or Node refuses the request. Either way no response header.
      const rawLines: [string, number][] = [
        ['GET /auth?redirect=/x\r\nSet-Cookie: a=1 HTTP/1.1', 200],
        [`GET /auth/sso/${w.fakeUid}?redirect=/x\rSet-Cookie:a=1 HTTP/1.1`, 400],
        ['GET /auth?redirect=/x\nLocation: https://evil.com HTTP/1.1', 200],
      ];
      for (const [line, status] of rawLines) {
        const res = await rawExchange(portOf(base), head(line, ['Host: auth.example.com', 'Connection: close']));
        assert.equal(res.status, status, JSON.stringify(line));
        const responseHeaders = res.text.slice(0, res.text.indexOf('\r\n\r\n'));
        assert.doesNotMatch(responseHeaders, /set-cookie: a=1|location: https:\/\/evil/i);
        if (status === 200) assert.match(res.body, /name="redirect" value="\/x"/);
      }
      assert.equal((await gw.http.get('/healthz')).status, 200, 'the process still answers');
    });

    test('E51 parameter pollution: a repeated, bracketed or array redirect is never followed (it falls back to /)', async () => {
      const polluted = ['redirect=/ok&redirect=%2F%2Fevil.com', 'redirect=%2F%2Fevil.com&redirect=/ok', 'redirect[]=%2F%2Fevil.com', 'redirect[0]=/ok', 'redirect[x]=%2F%2Fevil.com'];
      for (const query of polluted) {
        assert.equal(await ssoDestination(query), '/', `SSO ${query}`);
        assert.deepEqual(await pageDestination(query), { field: '/', link: '/' }, `page ${query}`);
        assert.equal(await formDestination(query), '/', `form ${query}`);
      }
      const json = await gw.http.post('/auth/signin').send({ username: w.admin.username, password: w.admin.password, redirect: ['//evil.com'] });
      assert.equal(json.status, 303);
      assert.equal(json.headers.location, '/', 'a JSON array is not a return URL');
    });

    test('E52 the destination is captured at the start and kept with the state: the callback query cannot change it, and sign-out has no redirect to abuse', async () => {
      const kept = await startFlow(gw, w.fakeUid, { redirect: '/apps/wiki' });
      const record = JSON.parse((await gw.deps.ephemeral.get(`sso:flow:${kept.state}`))!) as { returnTo: string };
      assert.equal(record.returnTo, '/apps/wiki');
      const edited = await authorizeAtFake(kept.authorizeUrl);
      for (const [k, v] of [['redirect', 'https://evil.com/'], ['returnTo', '//evil.com'], ['return_to', '//evil.com'], ['redirect_uri', 'https://evil.com/']]) edited.searchParams.set(k!, v!);
      const done = await finishFlow(gw, edited, kept.cookie);
      assert.equal(done.status, 302);
      assert.equal(done.headers.location, '/apps/wiki');

      const none = await startFlow(gw, w.fakeUid);
      const added = await authorizeAtFake(none.authorizeUrl);
      added.searchParams.set('redirect', '/elsewhere');
      assert.equal((await finishFlow(gw, added, none.cookie)).headers.location, '/');

      // The error page's "back" link goes through the same check.
      const failed = await finishFlow(gw, new URL(`http://x/auth/callback?state=${'D'.repeat(43)}&code=x&redirect=%2F%2Fevil.com`), null, 'text/html');
      assert.equal(failed.status, 400);
      assert.match(failed.text, /href="\/auth"/);
      assert.doesNotMatch(failed.text, /evil/);
      const row = await expectSsoAudit(gw, { event: 'sso.denied', provider: '', reason: 'FLOW_INVALID', step: 'callback' });
      assert.doesNotMatch(JSON.stringify(row), /evil/, 'the return URL the caller sent stays out of the audit row');

      const refresh = (done.headers['set-cookie'] as unknown as string[]).find((l) => l.startsWith('memos_refresh='))!.split(';')[0]!;
      const out = await gw.http.post('/api/v1/auth/signout?redirect=%2F%2Fevil.com').set('Cookie', refresh);
      assert.equal(out.status, 200);
      assert.deepEqual(out.body, {});
      assert.equal(out.headers.location, undefined, 'sign-out answers JSON and never redirects');
    });

    test('E53 Host, X-Forwarded-Host and Forwarded: host= never reach a redirect_uri or Location: all come from the configured instance URL', async () => {
      const spoof = { Host: 'evil.com', 'X-Forwarded-Host': 'evil.com', Forwarded: 'for=1.2.3.4;host=evil.com;proto=http', 'X-Forwarded-Proto': 'http' };
      const start = await gw.http.get(`/auth/sso/${w.fakeUid}?redirect=%2Fapps`).set(spoof);
      assert.equal(start.status, 302);
      const authorize = new URL(start.headers.location as string);
      assert.equal(authorize.origin, fake.issuer);
      assert.equal(authorize.searchParams.get('redirect_uri'), `${INSTANCE}/auth/callback`);
      assert.doesNotMatch(String(start.headers['set-cookie']), /domain=/i, 'the binding cookie is host-only');

      assert.equal(await ssoDestination('redirect=%2Fapps', spoof), '/apps');
      assert.equal(await ssoDestination(`redirect=${enc('https://app.example.com/x')}`, spoof), 'https://app.example.com/x');
      assert.equal(await ssoDestination(`redirect=${enc('https://evil.com/x')}`, spoof), '/');
      assert.equal(await formDestination('redirect=%2Fapps', spoof), '/apps');

      const page = await gw.http.get('/auth?redirect=%2Fapps').set(spoof);
      assert.doesNotMatch(page.text, /evil/);
      const verify = await gw.http.get('/auth/verify').set({ ...spoof, Accept: 'text/html', 'X-Forwarded-Uri': '/secret' });
      assert.equal(verify.status, 401);
      assert.equal(verify.headers.location, `${INSTANCE}/auth`, 'the sign-in URL is the instance, the spoofed target is dropped');
      const out = await gw.http.post('/api/v1/auth/signout').set(spoof);
      assert.equal(out.headers.location, undefined);
    });
  });
}

describe('catalogue E: unknown hosts at the shipped nginx', () => {
  let gw: TestGateway;
  let app: Server;
  let nginx: NginxHandle;
  before(async () => {
    gw = await startTestGateway('embedded', { env: { GATEWAY_INSTANCE_URL: `https://${GATEWAY_HOST}` } });
    app = createServer((_req, res) => res.end('app'));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    nginx = await startNginx({ gatewayPort: portOf(await gw.listen()), appPort: (app.address() as AddressInfo).port, httpPort: await freePort(), httpsPort: await freePort(), statusPort: await freePort() });
  });
  after(async () => {
    await nginx?.stop();
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
    await gw?.close();
  });

  test("E53 a request for a host nginx does not serve never reaches the gateway: 444 on http, a refused handshake on https, nginx's default server for a foreign Host", async () => {
    const served = await nginxRequest(nginx.httpsPort, { host: GATEWAY_HOST, path: '/auth' });
    assert.equal(served.status, 200, 'the served name works');
    // The same http port answers a served name (301 to https), so a refusal below is nginx's 444, not a dead port.
    const servedHttp = await nginxRequest(nginx.httpPort, { host: GATEWAY_HOST, hostHeader: GATEWAY_HOST, tls: false, path: '/auth' });
    assert.equal(servedHttp.status, 301, 'http: a served name is redirected to https');
    await assert.rejects(
      nginxRequest(nginx.httpPort, { host: GATEWAY_HOST, hostHeader: 'evil.com', tls: false, path: '/auth' }),
      (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET' && /socket hang up/.test(err.message),
      'http: the connection is closed without an answer (444), not refused',
    );
    await assert.rejects(
      nginxRequest(nginx.httpsPort, { host: 'evil.com', path: '/auth' }),
      (err: NodeJS.ErrnoException) => /unrecognized name|UNRECOGNIZED_NAME/i.test(`${err.code} ${err.message}`),
      'https: the handshake is refused for an unknown name (ssl_reject_handshake)',
    );
    const mismatched = await nginxRequest(nginx.httpsPort, { host: GATEWAY_HOST, hostHeader: 'evil.com', path: '/auth' });
    assert.equal(mismatched.status, 404, 'a served TLS name with Host: evil.com lands on the default server');
    assert.match(mismatched.body, /<center>nginx<\/center>/, "nginx's own page, not the gateway's");
  });
});
