// Issue 9 review findings on proxy input: two Authorization headers (R14), target headers of both proxy kinds
// (R3), path spellings apps read as another path (R9) and GATEWAY_TRUSTED_PROXIES validation (R15).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { canonicalizePath } from '../../src/forward-auth/canonical-path.js';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { createAdmin, createUser, signIn, type SignedIn } from '../support/users.js';
import { APP, bearer, forwardAuthEnv, verify, writeRulesFile, type RulesFile } from '../support/verify.js';
import { head, portOf, rawExchange } from '../support/raw-http.js';

const FORWARDED_ADMIN = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'app.example.test', 'X-Forwarded-Uri': '/admin' };

for (const mode of STORAGE_MODES) {
  describe(`review: proxy input [${mode}]`, () => {
    let gw: TestGateway;
    let rules: RulesFile;
    let admin: SignedIn;
    let user: SignedIn;

    beforeEach(async () => {
      rules = writeRulesFile();
      gw = await startTestGateway(mode, { env: forwardAuthEnv(rules) });
      admin = await createAdmin(gw);
      const created = await createUser(gw, {}, admin);
      user = await signIn(gw, created.username, created.password);
    });

    afterEach(async () => {
      await gw.close();
      rules.remove();
    });

    test('R14 two Authorization headers are refused with 400 at /auth/verify and on the API, whichever comes first', async () => {
      const port = portOf(await gw.listen());
      const send = (path: string, authorizations: string[]) =>
        rawExchange(
          port,
          head(`GET ${path} HTTP/1.1`, [`Host: 127.0.0.1:${port}`, ...authorizations.map((a) => `Authorization: ${a}`), `X-Original-URL: ${APP}/docs`, 'Connection: close']),
        );
      const good = `Bearer ${user.accessToken}`;
      for (const path of ['/auth/verify', '/api/v1/auth/me']) {
        assert.equal((await send(path, [good])).status, 200, `control: ${path} with one Authorization header`);
        for (const pair of [[good, good], [good, 'Bearer nope'], ['Basic dTpw', good]]) {
          assert.equal((await send(path, pair)).status, 400, `${path}: ${pair.map((a) => a.slice(0, 8)).join(' + ')}`);
        }
      }
    });

    test('R3 a client X-Original-URL that disagrees with the proxy X-Forwarded-* is refused (403), on both verify paths', async () => {
      const smuggled = { ...FORWARDED_ADMIN, 'X-Original-URL': `${APP}/docs` };
      assert.equal((await verify(gw, bearer(user.accessToken), `${APP}/docs`)).status, 200, 'control: /docs is open to users');
      assert.equal((await verify(gw, { ...bearer(user.accessToken), ...smuggled }, null)).status, 403, '/auth/verify');
      assert.equal((await verify(gw, { ...bearer(admin.accessToken), ...smuggled }, null)).status, 403, 'unjudgeable even for an admin');
      const forwardAuth = (headers: Record<string, string>) => gw.http.get('/auth/verify/forward-auth').set(headers);
      assert.equal((await forwardAuth({ ...bearer(user.accessToken), ...smuggled })).status, 403, '/auth/verify/forward-auth');
      assert.equal((await forwardAuth({ ...bearer(admin.accessToken), ...smuggled })).status, 403);
      // Agreeing headers are judged; the forward-auth path reads X-Forwarded-* only.
      const agreeing = { ...FORWARDED_ADMIN, 'X-Original-URL': `${APP}/admin` };
      assert.equal((await verify(gw, { ...bearer(admin.accessToken), ...agreeing }, null)).status, 200);
      assert.equal((await forwardAuth({ ...bearer(admin.accessToken), ...FORWARDED_ADMIN })).status, 200);
      assert.equal((await forwardAuth({ ...bearer(user.accessToken), ...FORWARDED_ADMIN })).status, 403);
      assert.equal((await forwardAuth({ ...bearer(user.accessToken), 'X-Original-URL': `${APP}/docs` })).status, 403, 'X-Original-URL alone is not a target there');
    });

    test('R9 segments ending in dots or spaces and non-ASCII that case-folds to ASCII are unjudgeable (403), even for an admin', async () => {
      const spellings = ['/admin.', '/admin..', '/admin%20', '/admin%2e', '/admin%2E%2e/x', '/adm%C4%B1n', '/%C5%BFecret', '/%E2%84%AAey', '/docs./x'];
      for (const path of spellings) {
        assert.equal(canonicalizePath(path), null, path);
        assert.equal((await verify(gw, bearer(user.accessToken), `${APP}${path}`)).status, 403, `user ${path}`);
        assert.equal((await verify(gw, bearer(admin.accessToken), `${APP}${path}`)).status, 403, `admin ${path}`);
      }
      for (const path of ['/docs', '/file.txt', '/caf%C3%A9', '/a/./b', '/a/../docs']) {
        assert.equal((await verify(gw, bearer(user.accessToken), `${APP}${path}`)).status, 200, `control ${path}`);
      }
    });
  });
}

describe('review: GATEWAY_TRUSTED_PROXIES', () => {
  const problems = (value: string) => {
    const result = loadConfig({ GATEWAY_TRUSTED_PROXIES: value });
    return result.ok ? [] : result.errors.filter((e) => e.startsWith('GATEWAY_TRUSTED_PROXIES'));
  };

  test('R15 an invalid GATEWAY_TRUSTED_PROXIES fails the configuration check (as --check-config reports it)', () => {
    for (const value of ['nonsense', '10.0.0.0/33', '10.0.0.300', 'loopback,example.com', '10.0.0.0/255.0.255.0']) {
      assert.match(problems(value).join('\n'), /is not an IP address/, value);
    }
    for (const value of ['loopback', '10.0.0.0/8, loopback', '172.18.0.0/16,::1', '10.0.0.0/255.0.0.0', '::ffff:10.0.0.1', 'uniquelocal']) {
      assert.deepEqual(problems(value), [], value);
    }
  });

  test('R15 the trust-every-client guard catches sets that cover all addresses however spelt', () => {
    for (const value of ['0.0.0.0/1,128.0.0.0/1', '::ffff:0.0.0.0/96', '::/1', '0.0.0.0/0', '::/0', '*', '0.0.0.0/2,64.0.0.0/2,128.0.0.0/1']) {
      assert.match(problems(value).join('\n'), /would trust every client/, value);
    }
    assert.deepEqual(problems('0.0.0.0/1'), [], 'half of IPv4 is not every client');
  });
});
