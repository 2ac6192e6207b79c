// A tiny OpenID Connect issuer of our own (jose) for the security suite, where the real oidc-provider cannot be
// made to misbehave: discovery, JWKS, an authorization endpoint that approves at once, a token endpoint that checks
// the client and PKCE S256, and UserInfo. Tests tamper with any answer: crafted ID tokens (bad signature, alg none,
// wrong claims), discovery metadata, or a whole endpoint (hang, redirect, huge body).
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';

export type Claims = Record<string, unknown>;
export type Endpoint = 'discovery' | 'authorize' | 'token' | 'userinfo' | 'jwks';

/** One approved authorization request, as the token endpoint later sees it. */
export interface FakeGrant {
  clientId: string;
  redirectUri: string;
  state: string | null;
  nonce: string | null;
  codeChallenge: string;
  account: Claims;
  used: boolean;
}

export interface IdTokenParts {
  header: jose.JWTHeaderParameters;
  payload: jose.JWTPayload & Claims;
}

export interface FakeOidcIssuer {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who signs in next (must have a string `sub`). */
  account: Claims;
  /** Overrides merged into the discovery document (a key set to undefined is left out). */
  metadata: Record<string, unknown>;
  /** Makes the ID token of a grant; default: the honest token, signed with the trusted key. */
  idToken: (parts: IdTokenParts, grant: FakeGrant) => Promise<string>;
  /** What UserInfo answers; default: the account's claims. */
  userinfo: (account: Claims) => Claims;
  /** Replaces an endpoint's handler for tampering tests. */
  intercept: Partial<Record<Endpoint, http.RequestListener>>;
  /** Requests per endpoint since the last reset(). */
  hits: Record<Endpoint, number>;
  grants: FakeGrant[];
  /** Signs with the key published in the JWKS, or with a stranger's key (same or another kid). */
  sign(parts: IdTokenParts, key?: 'trusted' | 'stranger'): Promise<string>;
  /** An unsecured JWT (`alg: none`, empty signature). */
  unsecured(parts: IdTokenParts): string;
  /** HS256 with the given secret (the client secret, in the algorithm-confusion test). */
  signHs256(parts: IdTokenParts, secret: string): Promise<string>;
  reset(): void;
  stop(): Promise<void>;
}

export const TRUSTED_KID = 'trusted-1';
const DEFAULT_ACCOUNT: Claims = { sub: 'fake-sub-1', email: 'fiona@corp.example', email_verified: true, name: 'Fiona' };

export async function startFakeOidcIssuer(client = { id: 'fake-client', secret: 'fake-secret-0123456789abcdef' }): Promise<FakeOidcIssuer> {
  const trusted = await jose.generateKeyPair('RS256', { extractable: true });
  const stranger = await jose.generateKeyPair('RS256');
  const publicJwk = { ...(await jose.exportJWK(trusted.publicKey)), kid: TRUSTED_KID, alg: 'RS256', use: 'sig' };
  const codes = new Map<string, FakeGrant>();
  const tokens = new Map<string, FakeGrant>();
  const server = http.createServer((req, res) => void handle(req, res).catch((err: Error) => {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(err.stack ?? err));
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const zeroHits = (): Record<Endpoint, number> => ({ discovery: 0, authorize: 0, token: 0, userinfo: 0, jwks: 0 });

  const fake: FakeOidcIssuer = {
    issuer,
    clientId: client.id,
    clientSecret: client.secret,
    account: { ...DEFAULT_ACCOUNT },
    metadata: {},
    idToken: (parts) => fake.sign(parts),
    userinfo: (account) => ({ ...account }),
    intercept: {},
    hits: zeroHits(),
    grants: [],
    sign: (parts, key = 'trusted') =>
      new jose.SignJWT(parts.payload).setProtectedHeader(parts.header).sign(key === 'trusted' ? trusted.privateKey : stranger.privateKey),
    unsecured: (parts) => new jose.UnsecuredJWT(parts.payload).encode(),
    signHs256: (parts, secret) =>
      new jose.SignJWT(parts.payload).setProtectedHeader({ ...parts.header, alg: 'HS256' }).sign(new TextEncoder().encode(secret)),
    reset() {
      fake.account = { ...DEFAULT_ACCOUNT };
      fake.metadata = {};
      fake.idToken = (parts) => fake.sign(parts);
      fake.userinfo = (account) => ({ ...account });
      fake.intercept = {};
      fake.hits = zeroHits();
      fake.grants = [];
    },
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  function discovery(): Claims {
    const doc: Claims = {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      authorization_response_iss_parameter_supported: true,
      ...fake.metadata,
    };
    return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined));
  }

  function authorize(url: URL, res: http.ServerResponse): void {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    if (q.get('client_id') !== client.id || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
      return void json(res, 400, { error: 'invalid_request' });
    }
    const grant: FakeGrant = {
      clientId: client.id, redirectUri, state: q.get('state'), nonce: q.get('nonce'), codeChallenge: q.get('code_challenge')!,
      account: { ...fake.account }, used: false,
    };
    fake.grants.push(grant);
    const code = randomBytes(16).toString('base64url');
    codes.set(code, grant);
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    if (grant.state !== null) back.searchParams.set('state', grant.state);
    if (discovery().authorization_response_iss_parameter_supported === true) back.searchParams.set('iss', issuer);
    res.writeHead(302, { location: back.href }).end();
  }

  async function token(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = Buffer.from(basic ?? '', 'base64').toString('utf8').split(':').map((s) => decodeURIComponent(s.replace(/\+/g, ' ')));
    if (id !== client.id || secret !== client.secret) return void json(res, 401, { error: 'invalid_client' });
    const grant = codes.get(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    if (!grant || grant.used || form.get('redirect_uri') !== grant.redirectUri
      || createHash('sha256').update(verifier).digest('base64url') !== grant.codeChallenge) {
      return void json(res, 400, { error: 'invalid_grant' });
    }
    grant.used = true;
    const now = Math.floor(Date.now() / 1000);
    const payload: IdTokenParts['payload'] = { iss: issuer, sub: grant.account.sub as string, aud: client.id, iat: now, exp: now + 300 };
    if (grant.nonce !== null) payload.nonce = grant.nonce;
    const accessToken = randomBytes(16).toString('base64url');
    tokens.set(accessToken, grant);
    const idToken = await fake.idToken({ header: { alg: 'RS256', kid: TRUSTED_KID, typ: 'JWT' }, payload }, grant);
    json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: idToken });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    const endpoints: Record<string, Endpoint> = {
      '/.well-known/openid-configuration': 'discovery', '/authorize': 'authorize', '/token': 'token', '/userinfo': 'userinfo', '/jwks': 'jwks',
    };
    const endpoint = endpoints[url.pathname];
    if (!endpoint) return void json(res, 404, { error: 'not_found' });
    fake.hits[endpoint] += 1;
    const intercepted = fake.intercept[endpoint];
    if (intercepted) return void intercepted(req, res);
    switch (endpoint) {
      case 'discovery':
        return void json(res, 200, discovery());
      case 'jwks':
        return void json(res, 200, { keys: [publicJwk] });
      case 'authorize':
        return authorize(url, res);
      case 'token':
        return token(req, res);
      case 'userinfo': {
        const grant = tokens.get(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
        if (!grant) return void json(res, 401, { error: 'invalid_token' });
        return void json(res, 200, fake.userinfo(grant.account));
      }
    }
  }
  return fake;
}

/** Follows the gateway's authorization URL to the fake (which approves at once) and returns the callback URL. */
export async function authorizeAtFake(authorizeUrl: URL): Promise<URL> {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`fake authorize: ${res.status} ${await res.text()}`);
  return new URL(location);
}

/** The body the identity-provider API takes for the fake issuer (OpenID Connect through discovery). */
export function fakeIdpBody(fake: FakeOidcIssuer, extra: { identifierFilter?: string; title?: string; oauth2?: Record<string, unknown> } = {}) {
  return {
    title: extra.title ?? 'Fake OIDC',
    type: 'OAUTH2',
    identifierFilter: extra.identifierFilter ?? '',
    config: {
      oauth2Config: {
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        issuer: fake.issuer,
        scopes: ['openid', 'profile', 'email'],
        fieldMapping: { identifier: 'sub', displayName: 'name', email: 'email', avatarUrl: '' },
        ...extra.oauth2,
      },
    },
  };
}
