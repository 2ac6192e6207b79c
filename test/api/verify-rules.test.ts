// /auth/verify decisions beyond "who": access rules on the canonical path, the sign-in redirect for browsers, and
// X-Original-URL / X-Forwarded-* believed only from trusted proxies.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startGatewayProcess } from '../support/process-gateway.js';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { createAdmin, createUser, signIn, type SignedIn } from '../support/users.js';
import { APP, bearer, BROWSER, forwardAuthEnv, SIGN_IN_PAGE, verify, writeRulesFile, type RulesFile } from '../support/verify.js';

const redirectTo = (url: string) => `${SIGN_IN_PAGE}?redirect=${encodeURIComponent(url)}`;

for (const mode of STORAGE_MODES) {
  describe(`forward auth rules and redirects [${mode}]`, () => {
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

    test('a rule admits administrators to /admin and answers 403 to other signed-in users', async () => {
      assert.equal((await verify(gw, bearer(admin.accessToken), `${APP}/admin/users`)).status, 200);
      const denied = await verify(gw, bearer(user.accessToken), `${APP}/admin/users`);
      assert.equal(denied.status, 403);
      assert.equal(denied.headers['x-auth-request-user'], undefined);
      assert.equal(denied.headers.location, undefined, 'a 403 is never redirected');
      assert.equal((await verify(gw, bearer(user.accessToken), `${APP}/docs`)).status, 200);
      assert.equal((await verify(gw, bearer(user.accessToken), 'https://other.example.test/admin')).status, 200);
    });

    test('spellings of a guarded path reach the same rule', async () => {
      const spellings = ['/ADMIN', '/Admin/x', '/admin/', '//admin', '/./admin', '/%61dmin', '/public/../admin', '/public/%2e%2e/admin'];
      for (const path of spellings) {
        const res = await verify(gw, bearer(user.accessToken), `${APP}${path}`);
        assert.equal(res.status, 403, path);
        // Control: an admin reaches the same spelling, so the 403 above is the /admin rule, not an unjudgeable URL.
        assert.equal((await verify(gw, bearer(admin.accessToken), `${APP}${path}`)).status, 200, `admin: ${path}`);
      }
    });

    test('an original URL that cannot be judged is a 403 for anyone signed in', async () => {
      const unjudgeable = [
        '/admin;x', '/admin%2F..', '/x%5c..%5cadmin', '/%2561dmin', '/a%00', '/%zz', '/../admin', '/public#/admin',
      ];
      for (const path of unjudgeable) {
        assert.equal((await verify(gw, bearer(admin.accessToken), `${APP}${path}`)).status, 403, path);
      }
      for (const url of ['not a url', 'ftp://app.example.test/', 'https://user@app.example.test/', '/relative']) {
        assert.equal((await verify(gw, bearer(admin.accessToken), url)).status, 403, url);
      }
    });

    test('a browser that is not signed in gets a 401 with the sign-in URL leading back to the original URL', async () => {
      const original = `${APP}/docs/page?id=7&tab=a%20b`;
      const res = await verify(gw, BROWSER, original);
      assert.equal(res.status, 401);
      assert.equal(res.headers.location, redirectTo(original));
      assert.equal(res.headers['content-length'], '0');
    });

    test('API callers and XHR get a plain 401 without Location', async () => {
      const api = await verify(gw, { Accept: 'application/json' }, `${APP}/api/items`);
      assert.equal(api.status, 401);
      assert.equal(api.headers.location, undefined);
      assert.match(String(api.headers['www-authenticate']), /^Bearer/);
      const xhr = await verify(gw, { ...BROWSER, 'X-Requested-With': 'XMLHttpRequest' }, `${APP}/page`);
      assert.equal(xhr.status, 401);
      assert.equal(xhr.headers.location, undefined);
    });

    test('the sign-in URL leaves out a return URL that fails the return-URL check', async () => {
      for (const url of ['https://evil.test/', 'https://app.example.test.evil.test/x', 'https://app.example.test/a;b', 'garbage']) {
        const res = await verify(gw, BROWSER, url);
        assert.equal(res.status, 401, url);
        assert.equal(res.headers.location, SIGN_IN_PAGE, url);
      }
    });

    test('X-Forwarded-Host and X-Forwarded-Uri stand in for X-Original-URL from a trusted proxy', async () => {
      const headers = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'app.example.test', 'X-Forwarded-Uri': '/admin' };
      assert.equal((await verify(gw, { ...bearer(user.accessToken), ...headers }, null)).status, 403);
      const res = await verify(gw, { ...BROWSER, ...headers, 'X-Forwarded-Uri': '/docs' }, null);
      assert.equal(res.headers.location, redirectTo(`${APP}/docs`));
    });
  });

  describe(`forward auth behind an untrusted peer [${mode}]`, () => {
    let gw: TestGateway;
    let rules: RulesFile;
    let user: SignedIn;

    beforeEach(async () => {
      rules = writeRulesFile();
      // The test client connects from 127.0.0.1, which is then not a trusted proxy.
      gw = await startTestGateway(mode, { env: forwardAuthEnv(rules, { GATEWAY_TRUSTED_PROXIES: '192.0.2.10' }) });
      const admin = await createAdmin(gw);
      const created = await createUser(gw, {}, admin);
      user = await signIn(gw, created.username, created.password);
    });

    afterEach(async () => {
      await gw.close();
      rules.remove();
    });

    test('its X-Original-URL and X-Forwarded-* are ignored: no redirect target, and rules cannot be judged', async () => {
      const res = await verify(gw, { ...BROWSER, 'X-Forwarded-Host': 'app.example.test', 'X-Forwarded-Uri': '/docs' }, `${APP}/docs`);
      assert.equal(res.status, 401);
      assert.equal(res.headers.location, SIGN_IN_PAGE);
      // With rules configured, an unknown target is denied rather than guessed.
      assert.equal((await verify(gw, bearer(user.accessToken), `${APP}/docs`)).status, 403);
    });

    test('without rules a valid credential still passes, whatever the peer claims', async () => {
      const open = await startTestGateway(mode, { env: forwardAuthEnv(null, { GATEWAY_TRUSTED_PROXIES: '192.0.2.10' }) });
      try {
        await createAdmin(open);
        const created = await createUser(open);
        const someone = await signIn(open, created.username, created.password);
        const res = await verify(open, { ...bearer(someone.accessToken), 'X-Original-URL': 'https://app.example.test/a;b' }, null);
        assert.equal(res.status, 200, 'the malformed X-Original-URL of an untrusted peer is not even read');
      } finally {
        await open.close();
      }
    });
  });
}

describe('npm start with a broken access-rules file', () => {
  test('exits non-zero before opening storage or listening, naming file:line:column of every problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-broken-rules-'));
    try {
      const file = join(dir, 'access-rules.json');
      // Two bad rules on lines 4 and 5 (a host that is no host name, an unknown role), one good rule between.
      writeFileSync(
        file,
        [
          '{',
          '  "rules": [',
          '    { "host": "app.example.test", "path": "/", "allow": "any" },',
          '    { "host": "bad host!", "allow": "any" },',
          '    { "host": "app.example.test", "allow": { "roles": ["ROOT"] } }',
          '  ]',
          '}',
        ].join('\n'),
      );
      const database = join(dir, 'gateway.db');
      const started = startGatewayProcess({ ...forwardAuthEnv(null), GATEWAY_ACCESS_RULES_FILE: file, GATEWAY_DATABASE_URL: `sqlite:${database}` });
      const err = await started.then(
        (gateway) => gateway.stop().then(() => assert.fail('the gateway started with a broken access-rules file')),
        (e: unknown) => e as Error,
      );
      assert.match(err.message, /^gateway exited with 1:/);
      assert.match(err.message, new RegExp(`invalid access rules file ${file}:`));
      const problems = err.message.split('\n').filter((l) => l.startsWith('  - '));
      assert.equal(problems.length, 2, err.message);
      assert.match(problems[0]!, new RegExp(`^  - ${file}:4:15: rules\\.1\\.host: `));
      assert.match(problems[1]!, new RegExp(`^  - ${file}:5:56: rules\\.2\\.allow\\.roles\\.0: `));
      assert.doesNotMatch(err.message, /listening/);
      assert.equal(existsSync(database), false, 'no database was created: the start stopped before storage');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
