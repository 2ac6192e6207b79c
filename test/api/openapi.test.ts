// GET /api/v1/openapi.json serves the generated document to anyone; and the response check every API test runs
// through (test/support/openapi-check.ts) catches an answer that does not match it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createResponseChecker } from '../support/openapi-check.js';
import { routeTable } from '../../src/routes.js';
import supertest from 'supertest';

describe('OpenAPI document endpoint', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway('embedded', { env: { GATEWAY_INSTANCE_URL: 'https://auth.example.com' } });
  });
  after(() => gw.close());

  test('GET /api/v1/openapi.json answers the 3.1 document without credentials, naming the instance as its server', async () => {
    const res = await gw.http.get('/api/v1/openapi.json');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.body.openapi, '3.1.0');
    assert.deepEqual(res.body.servers, [{ url: 'https://auth.example.com' }]);
    assert.deepEqual(res.body.paths['/api/v1/users/{user}'].patch.security, [{ bearerAuth: ['self-or-admin'] }]);
    assert.ok(res.body.components.schemas.User, 'named schemas are components');
  });

  test('the response check records an answer whose body does not match its route\'s schema, and passes one that does', async () => {
    const checker = createResponseChecker(routeTable(gw.deps), gw.deps.config.instanceUrl);
    const wrong = supertest(checker.wrap((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ user: { name: 42 } }));
    }));
    await wrong.get('/api/v1/auth/me');
    assert.equal(checker.mismatches.length, 1);
    assert.match(checker.mismatches[0]!, /^GET \/api\/v1\/auth\/me → 200: data\/user/);
    const error = supertest(checker.wrap((_req, res) => {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ code: 5, message: 'not found', details: [] }));
    }));
    await error.get('/api/v1/users/nobody');
    assert.equal(checker.mismatches.length, 1, 'an Error-shaped 404 matches');
  });
});
