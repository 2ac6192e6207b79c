// Shared pieces of the SSO tests: the two test providers (a real oidc-provider process and the GitHub-shaped
// fake), registering them on a gateway through the admin API, and driving a flow step by step with plain HTTP
// (start on the gateway, sign in at the provider, come back to /auth/callback) the way a browser would.
import assert from 'node:assert/strict';
import type { TestGateway } from './gateway.js';
import { startGithubFake, type GithubFake, type GithubFakeUser } from './github-fake.js';
import { followAuthorization, startOidcProvider, type OidcTestClaims, type OidcTestProvider } from './oidc-provider.js';
import type { SignedIn } from './users.js';

export const OIDC_CLIENT = { client_id: 'gateway', client_secret: 'oidc-secret-0123456789abcdef' };
export const GITHUB_CLIENT = { client_id: 'gh-gateway', client_secret: 'gh-secret-0123456789abcdef' };
/** The instance URL of gateways that never listen (supertest): only the redirect URI is built from it. */
export const TEST_INSTANCE_URL = 'http://127.0.0.1:8081';
export const TEST_ENV = { GATEWAY_INSTANCE_URL: TEST_INSTANCE_URL };

export const OIDC_ACCOUNTS: Record<string, OidcTestClaims> = {
  alice: { sub: 'alice-sub', email: 'alice@corp.example', email_verified: true, name: 'Alice Liddell', preferred_username: 'alice' },
  bob: { sub: 'bob-sub', email: 'bob@elsewhere.example', email_verified: true, name: 'Bob', preferred_username: 'bob' },
};

export const GITHUB_USERS: GithubFakeUser[] = [
  { id: 583231, login: 'octocat', name: 'The Octocat', email: 'octocat@github.example' },
  { id: 9001, login: 'hubot', name: null, email: null },
];

export interface Providers {
  op: OidcTestProvider;
  gh: GithubFake;
  stop(): Promise<void>;
}

export async function startProviders(): Promise<Providers> {
  const [op, gh] = await Promise.all([
    startOidcProvider({
      // Native (RFC 8252) client: any port of the loopback redirect URI, so every test gateway fits.
      clients: [{ ...OIDC_CLIENT, redirect_uris: ['http://127.0.0.1/auth/callback', 'http://127.0.0.1/cli/callback'], post_logout_redirect_uris: [`${TEST_INSTANCE_URL}/auth`], anyLoopbackPort: true }],
      accounts: { ...OIDC_ACCOUNTS },
    }),
    startGithubFake({ clients: [GITHUB_CLIENT], users: GITHUB_USERS.map((u) => ({ ...u })) }),
  ]);
  return { op, gh, stop: async () => void (await Promise.all([op.stop(), gh.stop()])) };
}

export function oidcIdpBody(op: OidcTestProvider, extra: { identifierFilter?: string; title?: string; oauth2?: Record<string, unknown> } = {}) {
  return {
    title: extra.title ?? 'Test OIDC',
    type: 'OAUTH2',
    identifierFilter: extra.identifierFilter ?? '',
    config: {
      oauth2Config: {
        clientId: OIDC_CLIENT.client_id,
        clientSecret: OIDC_CLIENT.client_secret,
        issuer: op.issuer,
        scopes: ['openid', 'profile', 'email'],
        fieldMapping: { identifier: 'sub', displayName: 'name', email: 'email', avatarUrl: 'picture' },
        ...extra.oauth2,
      },
    },
  };
}

export function githubIdpBody(gh: GithubFake, extra: { identifierFilter?: string; title?: string; oauth2?: Record<string, unknown> } = {}) {
  return {
    title: extra.title ?? 'GitHub',
    type: 'OAUTH2',
    identifierFilter: extra.identifierFilter ?? '',
    config: {
      oauth2Config: {
        clientId: GITHUB_CLIENT.client_id,
        clientSecret: GITHUB_CLIENT.client_secret,
        authUrl: gh.authUrl,
        tokenUrl: gh.tokenUrl,
        userInfoUrl: gh.userInfoUrl,
        scopes: ['read:user', 'user:email'],
        fieldMapping: { identifier: 'login', displayName: 'name', email: 'email', avatarUrl: 'avatar_url' },
        ...extra.oauth2,
      },
    },
  };
}

/** Creates a provider through the admin API and returns its uid. */
export async function createIdp(gw: TestGateway, admin: SignedIn, body: unknown, uid?: string): Promise<string> {
  const res = await gw.http
    .post(`/api/v1/identity-providers${uid ? `?identityProviderId=${uid}` : ''}`)
    .set(admin.auth)
    .send(body as object);
  assert.equal(res.status, 200, `create identity provider: ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body.name).split('/')[1]!;
}

export async function setGeneral(gw: TestGateway, admin: SignedIn, generalSetting: Record<string, unknown>): Promise<void> {
  const res = await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send({ generalSetting });
  assert.equal(res.status, 200, `patch GENERAL: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface StartedFlow {
  /** Where the gateway sent the browser (the provider's authorization URL). */
  authorizeUrl: URL;
  state: string;
  /** `sso_flow=…` for the Cookie header of the callback. */
  cookie: string;
}

function flowCookieOf(setCookie: string[] | string | undefined, fallback: string | undefined): string {
  const lines = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  const line = lines.find((l) => l.startsWith('sso_flow='));
  if (line) return line.split(';')[0]!;
  assert.ok(fallback, 'the gateway set no sso_flow cookie');
  return fallback;
}

/** GET /auth/sso/{uid}: the 302 to the provider, its state, and the browser-binding cookie. */
export async function startFlow(gw: TestGateway, uid: string, options: { cookie?: string; redirect?: string } = {}): Promise<StartedFlow> {
  let req = gw.http.get(`/auth/sso/${uid}`);
  if (options.redirect !== undefined) req = req.query({ redirect: options.redirect });
  if (options.cookie) req = req.set('Cookie', options.cookie);
  const res = await req;
  assert.equal(res.status, 302, `start flow: ${res.status} ${JSON.stringify(res.body)}`);
  const authorizeUrl = new URL(res.headers.location as string);
  return { authorizeUrl, state: authorizeUrl.searchParams.get('state')!, cookie: flowCookieOf(res.headers['set-cookie'], options.cookie) };
}

/** Signs in at the OIDC provider with fetch; returns the redirect back to the gateway (code, state, iss). */
export function authorizeAtOidc(gw: TestGateway, authorizeUrl: URL, login: string): Promise<URL> {
  return followAuthorization(authorizeUrl, { redirectUri: `${gw.deps.config.instanceUrl}/auth/callback`, login });
}

/** Approves at the GitHub fake as `login` (its authorize page's form) and returns the redirect back. */
export async function authorizeAtGithub(gh: GithubFake, authorizeUrl: URL, login: string): Promise<URL> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  if (page.status === 302) return new URL(page.headers.get('location')!);
  const html = await page.text();
  const txn = /name="txn" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(txn, `GitHub fake authorize page: ${page.status} ${html.slice(0, 200)}`);
  const res = await fetch(`${gh.baseUrl}/login/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ txn, login }),
  });
  assert.equal(res.status, 302);
  return new URL(res.headers.get('location')!);
}

/** GET /auth/callback with the provider's parameters and the given cookie. */
export function finishFlow(gw: TestGateway, callback: URL, cookie: string | null, accept = 'application/json') {
  let req = gw.http.get(`/auth/callback${callback.search}`).set('Accept', accept);
  if (cookie) req = req.set('Cookie', cookie);
  return req;
}

export function setCookieNames(setCookie: string[] | string | undefined): string[] {
  const lines = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  return lines.filter((l) => !/max-age=0/i.test(l)).map((l) => l.split('=')[0]!);
}

export function cookieValue(setCookie: string[] | string | undefined, name: string): string | undefined {
  const lines = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  return lines.find((l) => l.startsWith(`${name}=`))?.split(';')[0]!.slice(name.length + 1);
}

/** A new access token from the refresh cookie of a sign-in response, and the user /auth/me names with it. */
export async function meFromRefreshCookie(gw: TestGateway, setCookie: string[] | string | undefined) {
  const refresh = cookieValue(setCookie, 'memos_refresh');
  assert.ok(refresh, 'the sign-in set a memos_refresh cookie');
  const rotated = await gw.http.post('/api/v1/auth/refresh').set('Cookie', `memos_refresh=${refresh}`);
  assert.equal(rotated.status, 200, `refresh: ${rotated.status} ${JSON.stringify(rotated.body)}`);
  const me = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${rotated.body.accessToken}`);
  assert.equal(me.status, 200);
  return me.body.user as { name: string; username: string; role: string; email: string; displayName: string };
}
