// The OpenAPI 3.1 document of the whole HTTP surface, generated (never written by hand) from the route table
// (method, path, access level) and the zod schemas the handlers validate with and answer in (route-docs.ts).
// Each route's access level is its security requirement: `bearerAuth` with the level as the role name
// (OpenAPI 3.1 §4.8.30: for non-OAuth schemes the array may list roles); public routes require nothing.
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { ACCESS_DESCRIPTIONS } from '../http/route-access.js';
import type { Route } from '../routes.js';
import { errorBody } from './api-schemas.js';
import { ROUTE_DOCS, type RouteDoc } from './route-docs.js';

export type DocumentedRoute = Pick<Route, 'method' | 'path' | 'access'>;

/** `/api/v1/users/:user` → `/api/v1/users/{user}`. */
export function openApiPath(expressPath: string): string {
  // `\:` in an Express path is a literal colon (a custom method such as `totp:confirm`).
  return expressPath.split('\\:').map((part) => part.replace(/:([A-Za-z]+)/g, '{$1}')).join(':');
}

/** The OpenAPI operations of a route: `all` (forward auth takes any method) is documented as GET and POST. */
export function documentedMethods(route: Pick<DocumentedRoute, 'method'>): readonly ('get' | 'post' | 'patch' | 'delete')[] {
  return route.method === 'all' ? ['get', 'post'] : [route.method];
}

/** The key of a route in ROUTE_DOCS: `GET /api/v1/users/{user}`. */
export function routeDocKey(route: Pick<DocumentedRoute, 'method' | 'path'>): string {
  return `${route.method.toUpperCase()} ${openApiPath(route.path)}`;
}

function responsesOf(doc: RouteDoc | undefined): RouteConfig['responses'] {
  const error = { description: 'An error: {code, message, details}', content: { 'application/json': { schema: errorBody } } };
  switch (doc?.kind) {
    case 'html':
      return { 200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } }, default: error };
    case 'css':
      return { 200: { description: 'A stylesheet', content: { 'text/css': { schema: z.string() } } } };
    case 'script':
      return { 200: { description: 'A script', content: { 'text/javascript': { schema: z.string() } } } };
    case 'redirect':
      return { 302: { description: 'A redirect (Location)' }, default: error };
    case 'verify':
      return {
        200: { description: 'Allowed: X-Auth-Request-User/-Email/-Role and X-Auth-Request-Redirect-free identity headers' },
        401: { description: 'No valid credential' },
        403: { description: 'Signed in, but an access rule refuses (or the target is unjudgeable)' },
      };
    default:
      return {
        200: doc?.response
          ? { description: 'Success', content: { 'application/json': { schema: doc.response } } }
          : { description: 'Success', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
        default: error,
      };
  }
}

function paramsOf(path: string): z.ZodObject | undefined {
  const names = [...path.replaceAll('\\:', '/').matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
  return names.length > 0 ? z.object(Object.fromEntries(names.map((n) => [n, z.string()]))) : undefined;
}

export function buildOpenApiDocument(routes: readonly DocumentedRoute[], instanceUrl: string): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An access token (JWT from sign-in or refresh) or a personal access token (memos_pat_…). The role names of a requirement are the route\'s access level.',
  });
  for (const route of routes) {
    const doc = ROUTE_DOCS[routeDocKey(route)];
    const params = paramsOf(route.path);
    const request: RouteConfig['request'] = {
      ...(params ? { params } : {}),
      ...(doc?.query ? { query: doc.query } : {}),
      ...(doc?.body ? { body: { content: { 'application/json': { schema: doc.body } } } } : {}),
    };
    for (const method of documentedMethods(route)) {
      registry.registerPath({
        method,
        path: openApiPath(route.path),
        summary: doc?.summary ?? 'Undocumented',
        description: `Access: ${route.access} — ${ACCESS_DESCRIPTIONS[route.access]}.${route.method === 'all' ? ' Any method.' : ''}`,
        tags: [doc?.tag ?? 'other'],
        security: route.access === 'public' ? [] : [{ bearerAuth: [route.access] }],
        'x-access-level': route.access,
        request,
        responses: responsesOf(doc),
      } as RouteConfig);
    }
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'sso-gateway',
      version: '0.1.0',
      description: 'The gateway\'s HTTP API: Memos-compatible sign-in and tokens, users, sessions, identity providers, settings, audit, forward auth.',
    },
    servers: [{ url: instanceUrl }],
  }) as unknown as Record<string, unknown>;
}

/** GET /api/v1/openapi.json: built once, on first use, from the same route table the router serves. */
export function serveOpenApiDocument(routes: () => readonly DocumentedRoute[], instanceUrl: string): RequestHandler {
  let body: string | null = null;
  return (_req, res) => {
    body ??= JSON.stringify(buildOpenApiDocument(routes(), instanceUrl));
    res.type('application/json').send(body);
  };
}
