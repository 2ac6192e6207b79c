// Every `/api/v1/users/{user}…` route of the route table, whoever added it, checked against its declared access
// level on both storage modes: anonymous → 401, another ordinary user → 403, an admin → what the level says.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Access } from '../../src/http/route-access.js';
import { routeTable, type Route } from '../../src/routes.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createSignedInUser, createUser, type SignedIn } from '../support/users.js';

/** Bodies that a route accepts, so an allowed caller gets past validation; other routes get `{}`. */
const SAMPLE_BODIES: Record<string, object> = {
  'patch /api/v1/users/:user': { description: 'changed by the access-table test' },
  'post /api/v1/users/:user/personalAccessTokens': { description: 'access table' },
  'post /api/v1/users/:user/access_tokens': { name: 'access table' },
};

const PLACEHOLDER_ID = '00000000-0000-4000-8000-000000000000';

function userRoutes(gw: TestGateway): Route[] {
  return routeTable(gw.deps).filter((r) => r.path === '/api/v1/users/:user' || r.path.startsWith('/api/v1/users/:user/'));
}

function call(gw: TestGateway, route: Route, userRef: string | number, who: SignedIn | null) {
  // `\:` is a literal colon (a custom method such as `totp:confirm`), not a parameter.
  const path = route.path.replace(':user', String(userRef)).split('\\:').map((p) => p.replace(/:[A-Za-z]+/g, PLACEHOLDER_ID)).join(':');
  const method = route.method === 'all' ? 'get' : route.method;
  let req = gw.http[method](path);
  if (who) req = req.set(who.auth);
  return method === 'post' || method === 'patch' ? req.send(SAMPLE_BODIES[`${route.method} ${route.path}`] ?? {}) : req;
}

/** What an ordinary user gets on another user's resource, and what an admin gets there, per access level. */
const OTHER_USER_DENIED: Record<Access, boolean> = {
  public: false, 'signed-in': false, self: true, 'self-interactive': true, 'self-or-admin': true, admin: true,
};
const ADMIN_DENIED: Record<Access, boolean> = {
  public: false, 'signed-in': false, self: true, 'self-interactive': true, 'self-or-admin': false, admin: false,
};

for (const mode of STORAGE_MODES) {
  describe(`access table for /api/v1/users/{user} routes [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    let intruder: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      admin = await createAdmin(gw);
      intruder = await createSignedInUser(gw);
    });
    afterEach(() => gw.close());

    test('the table has user routes, and none of them is public', () => {
      const routes = userRoutes(gw);
      assert.ok(routes.length >= 12, `found ${routes.length}`);
      for (const route of routes) assert.notEqual(route.access, 'public', `${route.method} ${route.path}`);
    });

    test('anonymous callers get 401 on every user route', async () => {
      const victim = await createUser(gw);
      for (const route of userRoutes(gw)) {
        const res = await call(gw, route, victim.id, null);
        assert.equal(res.status, 401, `${route.method.toUpperCase()} ${route.path}`);
        assert.equal(res.body.code, 16);
      }
    });

    test("another ordinary user gets 403 on every user route of someone else, and changes nothing", async () => {
      const victim = await createUser(gw);
      for (const route of userRoutes(gw)) {
        const label = `${route.method.toUpperCase()} ${route.path} (${route.access})`;
        for (const ref of [String(victim.id), victim.username]) {
          const res = await call(gw, route, ref, intruder);
          if (OTHER_USER_DENIED[route.access]) {
            assert.equal(res.status, 403, label);
            assert.equal(res.body.code, 7, label);
          } else {
            assert.ok(res.status !== 401 && res.status !== 403, `${label} → ${res.status}`);
          }
        }
      }
      const after = await gw.deps.store.users.findById(victim.id);
      assert.equal(after?.description, '', 'the victim was not changed');
      assert.deepEqual(await gw.deps.store.personalAccessTokens.listByUser(victim.id), []);
    });

    test('an admin gets what the table says: self-or-admin and admin routes pass, self-only routes are 403', async () => {
      for (const route of userRoutes(gw)) {
        const victim = await createUser(gw); // fresh each time: an allowed DELETE removes it
        const res = await call(gw, route, victim.id, admin);
        const label = `${route.method.toUpperCase()} ${route.path} (${route.access}) → ${res.status} ${JSON.stringify(res.body)}`;
        if (ADMIN_DENIED[route.access]) {
          assert.equal(res.status, 403, label);
        } else {
          assert.ok(res.status !== 401 && res.status !== 403, label);
          assert.ok(res.status < 500, label);
        }
      }
    });

    test('an unknown user is 404 for an admin and 403 for anyone else (existence is not revealed)', async () => {
      const route = userRoutes(gw).find((r) => r.method === 'get' && r.path === '/api/v1/users/:user')!;
      assert.equal((await call(gw, route, 'nobody-here', admin)).status, 404);
      assert.equal((await call(gw, route, 'nobody-here', intruder)).status, 403);
      assert.equal((await call(gw, route, 999999, intruder)).status, 403);
    });
  });
}
