// The route table is the whole HTTP surface: walking createApp's Express router stack finds no route that is
// not in the table, no middleware mounted on a path that covers no table route (a body parser or limit for
// table routes is fine), and every table entry names an access level.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import { ACCESS_LEVELS } from '../../src/http/route-access.js';
import { routeTable } from '../../src/routes.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Layer {
  name: string;
  slash?: boolean;
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

interface Registered {
  routes: string[];
  /** Middleware mounted on a path (app.use('/x', …)), as `name path`. */
  mountedMiddleware: Array<{ name: string; path: string }>;
}

function walk(stack: Layer[], found: Registered = { routes: [], mountedMiddleware: [] }): Registered {
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on) found.routes.push(`${method === '_all' ? 'all' : method} ${layer.route.path}`);
      }
    } else if (layer.handle.stack) {
      if (layer.slash !== true) found.mountedMiddleware.push({ name: `router ${layer.name}`, path: String(layer.rawPath) });
      walk(layer.handle.stack, found);
    } else if (layer.slash !== true) {
      found.mountedMiddleware.push({ name: layer.name || '<anonymous>', path: String(layer.rawPath) });
    }
  }
  return found;
}

/** Path-mounted middleware that covers no table route: reachable surface the table does not describe. */
function strayMiddleware(found: Registered, tablePaths: string[]): string[] {
  const covers = (mount: string) => tablePaths.some((p) => p === mount || p.startsWith(`${mount}/`));
  return found.mountedMiddleware.filter((m) => !covers(m.path)).map((m) => `${m.name} ${m.path}`);
}

function registered(app: Express): Registered {
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}

describe('route table', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway('embedded');
  });
  after(() => gw.close());

  test('every route registered in createApp is in the route table, and every table entry is registered', () => {
    const table = routeTable(gw.deps).map((r) => `${r.method} ${r.path}`);
    const found = registered(gw.app);
    const missing = found.routes.filter((r) => !table.includes(r));
    assert.deepEqual(missing, [], 'routes outside the table');
    assert.deepEqual(table.filter((r) => !found.routes.includes(r)), [], 'table entries never registered');
    assert.deepEqual(strayMiddleware(found, routeTable(gw.deps).map((r) => r.path)), [], 'middleware mounted outside every table route');
    assert.equal(new Set(table).size, table.length, 'no route is declared twice');
  });

  test('every table entry declares a known access level', () => {
    for (const route of routeTable(gw.deps)) {
      assert.ok((ACCESS_LEVELS as readonly string[]).includes(route.access), `${route.method} ${route.path}: ${route.access}`);
    }
  });

  test('every access level is used by some route, so the guard has no branch nothing reaches', () => {
    const used = new Set(routeTable(gw.deps).map((r) => r.access));
    assert.deepEqual(ACCESS_LEVELS.filter((level) => !used.has(level)), []);
  });

  test('the walk notices a route added outside the table, and a middleware mounted on a path', () => {
    const app = createApp(gw.deps);
    app.get('/api/v1/backdoor', (_req, res) => void res.json({}));
    app.use('/api/v1/extra', (_req, _res, next) => next());
    const table = routeTable(gw.deps).map((r) => `${r.method} ${r.path}`);
    const found = registered(app);
    assert.deepEqual(found.routes.filter((r) => !table.includes(r)), ['get /api/v1/backdoor']);
    assert.deepEqual(strayMiddleware(found, routeTable(gw.deps).map((r) => r.path)), ['<anonymous> /api/v1/extra']);
  });
});
