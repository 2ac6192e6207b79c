// The route table: every METHOD path → access level → named handlers, on one screen. The access level of
// every route is declared here and enforced by one guard (http/access.ts); nothing is reachable without one.
import { Router, type RequestHandler } from 'express';
import { currentUser, refresh, signIn, signOut } from './auth/auth-handlers.js';
import { bearerMiddleware } from './auth/authenticate.js';
import type { Deps } from './deps.js';
import { guard, type Access } from './http/access.js';
import { liveness, readiness } from './http/health-handlers.js';
import {
  getInstanceProfile,
  getInstanceSetting,
  patchInstanceSetting,
  patchInstanceSettingLegacy,
} from './settings/settings-handlers.js';
import { createUserHandler } from './users/user-handlers.js';

export type Method = 'get' | 'post' | 'patch' | 'delete' | 'all';

export interface Route {
  method: Method;
  path: string;
  access: Access;
  /** `ignore`: the route never looks at Authorization (sign-in and refresh must work with a stale bearer). */
  bearer?: 'ignore';
  handlers: RequestHandler[];
}

export function routeTable(deps: Deps): Route[] {
  return [
    { method: 'get', path: '/healthz', access: 'public', bearer: 'ignore', handlers: [liveness] },
    { method: 'get', path: '/readyz', access: 'public', bearer: 'ignore', handlers: [readiness(deps)] },

    { method: 'post', path: '/api/v1/auth/signin', access: 'public', bearer: 'ignore', handlers: [signIn(deps)] },
    { method: 'post', path: '/api/v1/auth/refresh', access: 'public', bearer: 'ignore', handlers: [refresh(deps)] },
    { method: 'post', path: '/api/v1/auth/signout', access: 'public', handlers: [signOut(deps)] },
    { method: 'get', path: '/api/v1/auth/me', access: 'signed-in', handlers: [currentUser()] },

    { method: 'post', path: '/api/v1/users', access: 'public', handlers: [createUserHandler(deps)] },

    { method: 'get', path: '/api/v1/instance/profile', access: 'public', handlers: [getInstanceProfile(deps)] },
    { method: 'get', path: '/api/v1/instance/settings/:key', access: 'public', handlers: [getInstanceSetting(deps)] },
    { method: 'patch', path: '/api/v1/instance/settings/:key', access: 'admin', handlers: [patchInstanceSetting(deps)] },
    { method: 'patch', path: '/api/v1/instance/setting', access: 'admin', handlers: [patchInstanceSettingLegacy(deps)] },
  ];
}

export function buildRouter(deps: Deps, routes: Route[] = routeTable(deps)): Router {
  const router = Router();
  const authenticate = bearerMiddleware(deps, () => deps.pats);
  for (const route of routes) {
    const chain = [...(route.bearer === 'ignore' ? [] : [authenticate]), guard(deps, route.access), ...route.handlers];
    router[route.method](route.path, ...chain);
  }
  return router;
}
