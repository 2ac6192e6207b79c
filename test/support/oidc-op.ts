// The gateway as an OpenID Provider, for tests: a gateway listening on a port chosen first (its issuer is
// <instance>/oidc, so the instance URL must name that port), relying parties registered through the admin API, and
// a real relying party built on openid-client (PKCE S256, state, nonce) that verifies the ID token against the
// JWKS with jose and reads userinfo.
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { startTestGateway, type StorageMode, type Storage, type TestGateway } from './gateway.js';
import { freePort } from './services.js';
import type { SignedIn } from './users.js';

export interface OpGateway {
  gw: TestGateway;
  url: string;
  issuer: string;
  close(): Promise<void>;
}

export async function startOpGateway(mode: StorageMode, options: { env?: Record<string, string>; storage?: Storage } = {}): Promise<OpGateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gw = await startTestGateway(mode, {
    env: { GATEWAY_INSTANCE_URL: url, GATEWAY_ALLOWED_REDIRECT_HOSTS: '127.0.0.1', ...options.env },
    ...(options.storage ? { storage: options.storage } : {}),
  });
  const server = http.createServer(gw.app);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    gw,
    url,
    issuer: `${url}/oidc`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gw.close();
    },
  };
}

export interface RegisteredClient {
  clientId: string;
  clientSecret?: string;
  body: Record<string, unknown>;
}

export async function registerClient(gw: TestGateway, admin: SignedIn, body: Record<string, unknown>): Promise<RegisteredClient> {
  const res = await gw.http.post('/api/v1/oidc-clients').set(admin.auth).send(body);
  assert.equal(res.status, 200, `register client: ${JSON.stringify(res.body)}`);
  return { clientId: res.body.client.clientId, clientSecret: res.body.clientSecret, body: res.body };
}

export interface RpResult {
  idToken: string;
  /** Claims of the ID token, verified with the JWKS (signature, iss, aud, exp). */
  idClaims: JWTPayload & Record<string, unknown>;
  userinfo: Record<string, unknown>;
  accessToken: string;
  refreshToken: string | undefined;
  /** The iss parameter of the authorization response (RFC 9207). */
  authorizationIss: string | null;
}

export interface TestRp {
  url: string;
  redirectUri: string;
  postLogoutUri: string;
  config: oidc.Configuration;
  /** Every completed sign-in, newest last. */
  results: RpResult[];
  errors: string[];
  /** Back-channel logout tokens received (raw JWTs). */
  logoutTokens: string[];
  close(): Promise<void>;
}

/**
 * A relying party on its own loopback port: GET /login starts the code flow, GET /cb finishes it (openid-client,
 * then jose against the JWKS) and shows the claims in #claims, POST /backchannel takes logout tokens.
 */
export async function startTestRp(issuer: string, client: { clientId: string; clientSecret?: string }, options: { scope?: string; port?: number } = {}): Promise<TestRp> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const config = await oidc.discovery(
    new URL(issuer),
    client.clientId,
    client.clientSecret,
    client.clientSecret ? oidc.ClientSecretPost(client.clientSecret) : oidc.None(),
    { execute: [oidc.allowInsecureRequests] },
  );
  const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
  const flows = new Map<string, { verifier: string; nonce: string }>();
  const results: RpResult[] = [];
  const errors: string[] = [];
  const logoutTokens: string[] = [];
  const redirectUri = `${url}/cb`;
  const server = http.createServer((req, res) => {
    void (async () => {
      const here = new URL(req.url ?? '/', url);
      if (here.pathname === '/login') {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const nonce = oidc.randomNonce();
        flows.set(state, { verifier, nonce });
        const extra = Object.fromEntries(here.searchParams);
        const target = oidc.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: options.scope ?? 'openid profile email groups',
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
          ...extra,
        });
        res.writeHead(302, { location: target.href }).end();
        return;
      }
      if (here.pathname === '/cb') {
        const state = here.searchParams.get('state') ?? '';
        const flow = flows.get(state);
        if (here.searchParams.has('error') || !flow) {
          errors.push(here.searchParams.get('error') ?? 'unknown state');
          res.writeHead(400, { 'content-type': 'text/html' }).end(`<p id="rp-error">${here.searchParams.get('error') ?? 'unknown state'}</p>`);
          return;
        }
        flows.delete(state);
        const tokens = await oidc.authorizationCodeGrant(config, here, { pkceCodeVerifier: flow.verifier, expectedState: state, expectedNonce: flow.nonce });
        const idToken = tokens.id_token!;
        const { payload } = await jwtVerify(idToken, jwks, { issuer, audience: client.clientId });
        const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, String(payload.sub));
        results.push({
          idToken,
          idClaims: payload as RpResult['idClaims'],
          userinfo: userinfo as Record<string, unknown>,
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
          authorizationIss: here.searchParams.get('iss'),
        });
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<pre id="claims">${JSON.stringify(userinfo).replace(/</g, '&lt;')}</pre>`);
        return;
      }
      if (here.pathname === '/backchannel' && req.method === 'POST') {
        let body = '';
        for await (const chunk of req) body += chunk;
        logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(200).end();
        return;
      }
      if (here.pathname === '/logged-out') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<p id="rp-logged-out">bye</p>');
        return;
      }
      res.writeHead(404).end();
    })().catch((err: Error) => {
      errors.push(err.message);
      res.writeHead(500, { 'content-type': 'text/html' }).end(`<p id="rp-error">${err.message.replace(/</g, '&lt;')}</p>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url,
    redirectUri,
    postLogoutUri: `${url}/logged-out`,
    config,
    results,
    errors,
    logoutTokens,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export { freePort };

/** Where a browser-less authorization ended: a redirect off the gateway (to the client), or a page on it. */
export interface AuthorizeOutcome {
  /** The redirect that leaves the gateway (the client's redirect URI with code or error), if any. */
  location: URL | null;
  status: number;
  body: string;
}

/**
 * Drives /oidc/auth with fetch and a cookie jar (a browser without a browser): follows the gateway's own
 * redirects, answers a consent page with Allow, and stops at the first redirect that leaves the gateway.
 */
export async function authorizeByFetch(op: OpGateway, jar: { header(): string; store(c: string[] | string | undefined): void }, params: Record<string, string>): Promise<AuthorizeOutcome> {
  let url = new URL(`${op.issuer}/auth`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, { redirect: 'manual', ...init, headers: { cookie: jar.header(), ...(init.headers as Record<string, string> | undefined) } });
    jar.store(res.headers.getSetCookie());
    init = {};
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url);
      if (next.origin !== op.url) return { location: next, status: res.status, body: '' };
      url = next;
      continue;
    }
    const body = await res.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(body)?.[1];
    const action = /<form method="post" action="([^"]+\/consent)"/.exec(body)?.[1];
    if (res.status === 200 && csrf && action) {
      url = new URL(action, url);
      init = { method: 'POST', body: new URLSearchParams({ csrf, decision: 'allow' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
      continue;
    }
    return { location: null, status: res.status, body };
  }
  throw new Error('too many redirects');
}

/** A PKCE pair (RFC 7636 S256). */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  return { verifier, challenge: await oidc.calculatePKCECodeChallenge(verifier) };
}

/** POST to a form endpoint of the OP (token, introspection, revocation) with client_secret_post or none. */
export async function postForm(url: string, form: Record<string, string>, basic?: { id: string; secret: string }) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`).toString('base64')}`;
  const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(form) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(text) as Record<string, unknown>; } catch { /* not JSON */ }
  return { status: res.status, json, text };
}
