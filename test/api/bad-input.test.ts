// Bad input on every route that takes a body: wrong content type, broken or oversized JSON, wrong shapes.
// Each answer is a 4xx JSON error and nothing is written.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { routeTable } from '../../src/routes.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { dumpDatabase } from '../support/db-dump.js';
import { createAdmin, type SignedIn } from '../support/users.js';

/** Real parameters (the admin, GENERAL, an existing provider), so that the body checks are what answers. */
function concretePath(path: string, admin: SignedIn, idpUid: string): string {
  return path
    .replace(':user', String(admin.userId))
    .replace(':key', 'GENERAL')
    .replace(':uid', idpUid)
    .replace(/(?<!\\):[A-Za-z]+/g, 'x')
    .replace(/\\:/g, ':'); // `\:` is a literal colon (custom methods such as totp:confirm)
}

const rowCounts = (gw: TestGateway) => dumpDatabase(gw.storage);

for (const mode of STORAGE_MODES) {
  describe(`bad input on every body-taking route [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    let idpUid: string;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      admin = await createAdmin(gw);
      const idp = await gw.http.post('/api/v1/identity-providers').set(admin.auth).send({
        title: 'Corp', type: 'OAUTH2', identifierFilter: '',
        config: { oauth2Config: {
          clientId: 'gw', clientSecret: 'secret', authUrl: 'https://idp.example.com/authorize', tokenUrl: 'https://idp.example.com/token',
          userInfoUrl: 'https://idp.example.com/userinfo', scopes: ['openid'], fieldMapping: { identifier: 'sub', displayName: '', email: '', avatarUrl: '' },
        } },
      });
      assert.equal(idp.status, 200, JSON.stringify(idp.body));
      idpUid = String(idp.body.name).replace('identity-providers/', '');
    });
    afterEach(() => gw.close());

    // JSON API routes; the browser form routes under /auth answer with pages and redirects (tested with the page).
    const bodyRoutes = () => routeTable(gw.deps).filter((r) => (r.method === 'post' || r.method === 'patch') && r.path.startsWith('/api/'));

    test('a non-JSON content type is 415, a broken JSON body 400, an oversized body 413; all JSON errors', async () => {
      const before = await rowCounts(gw);
      for (const route of bodyRoutes()) {
        const path = concretePath(route.path, admin, idpUid);
        const send = () => gw.http[route.method as 'post' | 'patch'](path).set(admin.auth);
        const label = `${route.method.toUpperCase()} ${route.path}`;
        const asText = await send().set('Content-Type', 'text/plain').send('username=x');
        assert.equal(asText.status, 415, label);
        const asForm = await send().type('form').send({ username: 'x', password: 'y' });
        assert.equal(asForm.status, 415, label);
        const broken = await send().set('Content-Type', 'application/json').send('{"username": ');
        assert.equal(broken.status, 400, label);
        const huge = await send().set('Content-Type', 'application/json').send(JSON.stringify({ pad: 'x'.repeat(64 * 1024) }));
        assert.equal(huge.status, 413, label);
        for (const res of [asText, asForm, broken, huge]) {
          assert.match(String(res.headers['content-type']), /application\/json/, label);
          assert.equal(typeof res.body.code, 'number', label);
          assert.equal(typeof res.body.message, 'string', label);
          assert.ok(Array.isArray(res.body.details), label);
          assert.doesNotMatch(res.text, /\bat [\w.]+ \(|node_modules|SyntaxError/, `${label}: no stack trace or parser text`);
        }
      }
      assert.deepEqual(await rowCounts(gw), before);
    });

    test('JSON of the wrong shape (array, string, null, wrong field types) on real keys and uids is a 400 from the body check, and the whole database is unchanged', async () => {
      const before = await rowCounts(gw);
      const shapes: unknown[] = [[], ['a'], 'string', 42, null, { username: [], password: {} }, { passwordCredentials: 'x' }, { generalSetting: [] }];
      for (const route of bodyRoutes()) {
        if (route.path === '/api/v1/auth/refresh' || route.path === '/api/v1/auth/signout') continue; // no body is read
        for (const shape of shapes) {
          const res = await gw.http[route.method as 'post' | 'patch'](concretePath(route.path, admin, idpUid))
            .set(admin.auth)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(shape));
          const label = `${route.method.toUpperCase()} ${route.path} ${JSON.stringify(shape)}`;
          // The body check itself answers: 400 InvalidArgument with a message, not a 404 for the path or a 403.
          assert.equal(res.status, 400, `${label} → ${res.status} ${JSON.stringify(res.body)}`);
          assert.equal(res.body.code, 3, label);
          assert.ok(typeof res.body.message === 'string' && res.body.message.length > 0, label);
          assert.doesNotMatch(res.body.message, /not found|permission/i, label);
        }
      }
      assert.deepEqual(await rowCounts(gw), before);
    });

    test('sign-in with neither credential is 400 "invalid credentials"', async () => {
      const res = await gw.http.post('/api/v1/auth/signin').send({});
      assert.equal(res.status, 400);
      assert.equal(res.body.message, 'invalid credentials');
    });

    test('an unknown path is 404 in the same JSON shape', async () => {
      const res = await gw.http.get('/api/v1/nothing-here');
      assert.deepEqual(res.body, { code: 5, message: 'Not Found', details: [] });
    });
  });
}
