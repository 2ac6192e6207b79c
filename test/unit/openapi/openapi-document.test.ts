// The OpenAPI document: a valid OpenAPI 3.1 document (checked by an independent validator), generated from the
// route table, with every route in it under its access level, and every route documented in route-docs.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Validator, type SpecData } from '@seriousme/openapi-schema-validator';
import { requireConfig } from '../../../src/config.js';
import type { Deps } from '../../../src/deps.js';
import { buildOpenApiDocument, openApiPath, routeDocKey } from '../../../src/openapi/openapi-document.js';
import { ROUTE_DOCS } from '../../../src/openapi/route-docs.js';
import { routeTable } from '../../../src/routes.js';

// routeTable only builds handlers; none runs here, so a config is all the deps it reads.
const routes = routeTable({ config: requireConfig({}) } as unknown as Deps);
type Operation = { security: Record<string, string[]>[]; 'x-access-level': string; responses: Record<string, unknown> };
const doc = buildOpenApiDocument(routes, 'https://auth.example.com') as { openapi: string; paths: Record<string, Record<string, Operation>>; servers: { url: string }[] };

describe('OpenAPI document', () => {
  test('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc as unknown as SpecData);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 2000));
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: 'https://auth.example.com' }]);
  });

  test('the validator refuses a broken document (the check above can fail)', async () => {
    const broken = structuredClone(doc) as unknown as { paths: Record<string, Record<string, { responses: unknown }>> };
    broken.paths['/api/v1/auth/me']!.get!.responses = 'none';
    assert.equal((await new Validator().validate(broken as unknown as SpecData)).valid, false);
  });

  test('every route of the route table is in it, with its method and its access level as the security requirement', () => {
    assert.ok(routes.length > 30);
    for (const route of routes) {
      const item = doc.paths[openApiPath(route.path)];
      assert.ok(item, `${route.path} is missing`);
      for (const method of route.method === 'all' ? ['get', 'post'] : [route.method]) {
        const op: Operation | undefined = item[method];
        assert.ok(op, `${method.toUpperCase()} ${route.path} is missing`);
        assert.equal(op['x-access-level'], route.access);
        assert.deepEqual(op.security, route.access === 'public' ? [] : [{ bearerAuth: [route.access] }], `${method} ${route.path}`);
      }
    }
    const documented = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    assert.equal(documented, routes.reduce((n, r) => n + (r.method === 'all' ? 2 : 1), 0), 'nothing but the table is in it');
  });

  test('every route has its entry in route-docs.ts, and every entry names a route', () => {
    const keys = new Set(routes.map(routeDocKey));
    assert.deepEqual([...keys].filter((k) => !ROUTE_DOCS[k]), [], 'routes without documentation');
    assert.deepEqual(Object.keys(ROUTE_DOCS).filter((k) => !keys.has(k)), [], 'documentation of routes that do not exist');
  });

  test('request bodies come from the handlers\' own zod schemas (sign-in: password, second factor, passkey and SSO credentials)', () => {
    const op = doc.paths['/api/v1/auth/signin']!.post! as unknown as { requestBody: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } } };
    assert.deepEqual(Object.keys(op.requestBody.content['application/json'].schema.properties).sort(), ['passkeyCredentials', 'passwordCredentials', 'secondFactorCredentials', 'ssoCredentials']);
  });
});
