// A minimal plain-OAuth2 provider on loopback for the security suite: a token endpoint that grants, refuses or
// crashes, and a user-info endpoint that answers, crashes or talks nonsense, each failure carrying UPSTREAM_SECRET
// in its body (which must never reach a caller). Plus helpers to register it and sign in through it
// (Memos' `ssoCredentials`), which also makes SSO-only users the way the product does.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestGateway } from './gateway.js';
import type { SignedIn } from './users.js';

export const UPSTREAM_SECRET = 'UPSTREAM-SECRET-7f3a9c-do-not-echo';
const VERIFIER = 'v'.repeat(43);

export interface FakeProvider {
  origin: string;
  stop(): Promise<void>;
}

export async function startFakeProvider(): Promise<FakeProvider> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    req.resume();
    req.on('end', () => {
      switch (url.pathname) {
        case '/token/ok':
          return json(200, { access_token: 'upstream-access-token', token_type: 'bearer' });
        case '/token/refuse':
          return json(400, { error: 'invalid_grant', error_description: UPSTREAM_SECRET });
        case '/token/crash':
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          return res.end(`stack trace at upstream ${UPSTREAM_SECRET}`);
        case '/userinfo/ok':
          return json(200, { login: url.searchParams.get('login') ?? 'sso-person', name: 'SSO Person', email: '' });
        case '/userinfo/crash':
          res.writeHead(500, { 'Content-Type': 'application/json' });
          return res.end(JSON.stringify({ message: UPSTREAM_SECRET }));
        case '/userinfo/garbage':
          res.writeHead(200, { 'Content-Type': 'text/html' });
          return res.end(`<html>${UPSTREAM_SECRET}</html>`);
        default:
          res.writeHead(404);
          return res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Registers a plain OAuth2 provider whose token and user-info URLs are the given paths of the fake; returns its uid. */
export async function createFakeIdp(gw: TestGateway, admin: SignedIn, provider: FakeProvider, token: string, userInfo: string): Promise<string> {
  const res = await gw.http
    .post('/api/v1/identity-providers')
    .set(admin.auth)
    .send({
      title: `Fake ${token} ${userInfo}`,
      type: 'OAUTH2',
      config: {
        oauth2Config: {
          clientId: 'client',
          clientSecret: 'client-secret-0123456789',
          authUrl: `${provider.origin}/authorize`,
          tokenUrl: `${provider.origin}${token}`,
          userInfoUrl: `${provider.origin}${userInfo}`,
          scopes: ['read:user'],
          fieldMapping: { identifier: 'login', displayName: 'name', email: 'email' },
        },
      },
    });
  assert.equal(res.status, 200, `create identity provider: ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body.name).split('/')[1]!;
}

/** Memos' API-driven SSO sign-in through provider `uid`. */
export function ssoSignIn(gw: TestGateway, uid: string) {
  return gw.http.post('/api/v1/auth/signin').send({
    ssoCredentials: { idpName: `identity-providers/${uid}`, code: 'any-code', redirectUri: `${gw.deps.config.instanceUrl}/auth/callback`, codeVerifier: VERIFIER },
  });
}

/** A user who exists only through SSO (registered by the gateway at first SSO sign-in, as in production). */
export async function createSsoOnlyUser(gw: TestGateway, admin: SignedIn, provider: FakeProvider, login: string): Promise<{ id: number; username: string }> {
  const uid = await createFakeIdp(gw, admin, provider, '/token/ok', `/userinfo/ok?login=${login}`);
  const res = await ssoSignIn(gw, uid);
  assert.equal(res.status, 200, `SSO sign-in: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: Number(String(res.body.user.name).split('/')[1]), username: String(res.body.user.username) };
}
