// OpenID Connect providers through openid-client v6: discovery (cached per gateway for a few minutes, keyed by
// the provider's last update: deps.providerDiscovery, built by deps.ts), the authorization URL, and the code exchange with every check the library
// offers: PKCE verifier, expected state, RFC 9207 `iss`, nonce, ID-token signature (JWKS) and claims (plus the
// audience, azp and age checks it leaves to clients), and the UserInfo `sub` equal to the ID token's (§5.3.2).
import * as oidc from 'openid-client';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Claims } from './field-mapping.js';
import type { IdentityProvider } from './identity-provider.js';
import { boundedFetch, OUTBOUND_TIMEOUT_MS } from './outbound-fetch.js';
import { ProviderVerificationError } from './provider-errors.js';
import { findProviderUrlProblem, isPlainHttp } from './provider-url.js';

const DISCOVERY_TTL_MS = 10 * 60 * 1000;

/** Discovered configurations by `uid@updatedAt`; concurrent callers share one discovery. */
export class ProviderDiscovery {
  readonly entries = new Map<string, { configuration: Promise<oidc.Configuration>; expiresAt: number }>();
}

export interface OidcDeps {
  config: Pick<Config, 'mode' | 'instanceOrigin' | 'outboundDenyPrivate'>;
  clock: Clock;
  providerDiscovery: ProviderDiscovery;
}

const fetchFor = (deps: OidcDeps): oidc.CustomFetch => (url, options) => boundedFetch(url, options as RequestInit, deps.config);

/**
 * The configured method, else client_secret_post whenever the provider lists it (or lists nothing): openid-client
 * percent-encodes `- _ . ~ ! * ' ( )` in Basic credentials (RFC 6749 §2.3.1), which some providers do not decode;
 * Memos sends post too. Basic only when the provider lists methods without post.
 */
function clientAuthFor(idp: IdentityProvider, metadata: oidc.ServerMetadata, secret: string): oidc.ClientAuth {
  const configured = idp.config.tokenEndpointAuthMethod;
  if (configured === 'client_secret_basic') return oidc.ClientSecretBasic(secret);
  if (configured === 'client_secret_post') return oidc.ClientSecretPost(secret);
  const methods = metadata.token_endpoint_auth_methods_supported;
  if (!methods || methods.includes('client_secret_post')) return oidc.ClientSecretPost(secret);
  return oidc.ClientSecretBasic(secret);
}

async function discover(deps: OidcDeps, idp: IdentityProvider): Promise<oidc.Configuration> {
  const { issuer, clientId, clientSecret } = idp.config;
  const execute = isPlainHttp(issuer) ? [oidc.allowInsecureRequests] : [];
  const discovered = await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, {
    timeout: OUTBOUND_TIMEOUT_MS / 1000,
    [oidc.customFetch]: fetchFor(deps),
    execute,
  });
  // Endpoints the admin configured explicitly win over discovered ones; all must pass the same URL rule.
  const { supportsPKCE: _helper, ...discoveredMetadata } = discovered.serverMetadata();
  const metadata: oidc.ServerMetadata = {
    ...discoveredMetadata,
    ...(idp.config.authUrl ? { authorization_endpoint: idp.config.authUrl } : {}),
    ...(idp.config.tokenUrl ? { token_endpoint: idp.config.tokenUrl } : {}),
    ...(idp.config.userInfoUrl ? { userinfo_endpoint: idp.config.userInfoUrl } : {}),
  };
  for (const key of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri'] as const) {
    const value = metadata[key];
    if (typeof value === 'string' && findProviderUrlProblem(deps.config, value)) {
      throw new ProviderVerificationError(`discovered ${key} is not an acceptable URL`);
    }
  }
  if (!metadata.authorization_endpoint || !metadata.token_endpoint || !metadata.jwks_uri) {
    throw new ProviderVerificationError('discovery document lacks authorization, token or jwks endpoints');
  }
  const configuration = new oidc.Configuration(metadata, clientId, clientSecret, clientAuthFor(idp, metadata, clientSecret));
  configuration.timeout = OUTBOUND_TIMEOUT_MS / 1000;
  configuration[oidc.customFetch] = fetchFor(deps);
  if (isPlainHttp(issuer)) oidc.allowInsecureRequests(configuration);
  // Verify ID-token signatures against the provider's JWKS even though they come over the back channel.
  oidc.enableNonRepudiationChecks(configuration);
  return configuration;
}

/** The provider's configuration, discovered at most once per update and ten minutes (concurrent callers share it). */
export async function requireOidcConfiguration(deps: OidcDeps, idp: IdentityProvider): Promise<oidc.Configuration> {
  const cache = deps.providerDiscovery.entries;
  const key = `${idp.uid}@${idp.updatedAt.getTime()}`;
  const now = deps.clock.now().getTime();
  const hit = cache.get(key);
  if (hit && hit.expiresAt > now) return hit.configuration;
  for (const [k, v] of cache) if (v.expiresAt <= now || k.startsWith(`${idp.uid}@`)) cache.delete(k);
  const configuration = discover(deps, idp);
  const entry = { configuration, expiresAt: now + DISCOVERY_TTL_MS };
  cache.set(key, entry);
  // A failed discovery is not remembered: the next sign-in tries again.
  configuration.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  return configuration;
}

export interface OidcAuthorization {
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
}

export async function buildOidcAuthorizationUrl(deps: OidcDeps, idp: IdentityProvider, a: OidcAuthorization): Promise<URL> {
  const configuration = await requireOidcConfiguration(deps, idp);
  const methods = configuration.serverMetadata().code_challenge_methods_supported;
  // Never fall back to `plain` (RFC 9700 §2.1.1).
  if (methods && !methods.includes('S256')) throw new ProviderVerificationError('provider does not support PKCE S256');
  return oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: a.redirectUri,
    scope: idp.config.scopes.join(' '),
    state: a.state,
    nonce: a.nonce,
    code_challenge: a.codeChallenge,
    code_challenge_method: 'S256',
  });
}

export interface OidcExchange {
  /** The authorization response parameters (code, state, iss). */
  params: URLSearchParams;
  redirectUri: string;
  codeVerifier: string;
  /** null in the API flow, where the client kept the state itself. */
  expectedState: string | null;
  expectedNonce: string | null;
}

// The ID token is issued when the gateway redeems the code: an older one was not made for this sign-in.
const MAX_ID_TOKEN_AGE_S = 15 * 60;

/** OIDC Core §3.1.3.7 checks openid-client leaves to the client: only our audience, our azp, a recent iat. */
function requireIdTokenForUs(deps: Pick<OidcDeps, 'clock'>, idp: IdentityProvider, claims: oidc.IDToken): void {
  const { clientId } = idp.config;
  if (Array.isArray(claims.aud) && claims.aud.some((aud) => aud !== clientId)) {
    throw new ProviderVerificationError('ID token also names an audience the gateway does not trust');
  }
  if (claims.azp !== undefined && claims.azp !== clientId) throw new ProviderVerificationError('ID token azp is another client');
  if (claims.iat < deps.clock.now().getTime() / 1000 - MAX_ID_TOKEN_AGE_S) throw new ProviderVerificationError('ID token issued too long ago');
}

/** The raw ID token behind a claims object exchangeOidcCode returned (kept for end_session's id_token_hint). */
const rawIdTokens = new WeakMap<Claims, string>();

export function findRawIdToken(claims: Claims): string | null {
  return rawIdTokens.get(claims) ?? null;
}

/** OpenID Connect RP-Initiated Logout 1.0 §2: the provider's end_session URL, or null when it has none. */
export async function buildEndSessionUrl(deps: OidcDeps, idp: IdentityProvider, idToken: string, postLogoutRedirectUri: string): Promise<string | null> {
  const configuration = await requireOidcConfiguration(deps, idp);
  if (!configuration.serverMetadata().end_session_endpoint) return null;
  return oidc.buildEndSessionUrl(configuration, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri }).href;
}

/** ID-token claims merged with UserInfo claims (UserInfo wins), after every check passed. */
export async function exchangeOidcCode(deps: OidcDeps, idp: IdentityProvider, x: OidcExchange): Promise<Claims> {
  const configuration = await requireOidcConfiguration(deps, idp);
  const metadata = configuration.serverMetadata();
  const current = new URL(x.redirectUri);
  for (const name of ['code', 'state', 'iss']) {
    const value = x.params.get(name);
    if (value !== null) current.searchParams.set(name, value);
  }
  // API flow: the client received the authorization response and checked it; the server only sees the code.
  if (x.expectedState === null && metadata.authorization_response_iss_parameter_supported && !current.searchParams.has('iss')) {
    current.searchParams.set('iss', metadata.issuer);
  }
  const tokens = await oidc.authorizationCodeGrant(configuration, current, {
    pkceCodeVerifier: x.codeVerifier,
    ...(x.expectedState !== null ? { expectedState: x.expectedState } : {}),
    ...(x.expectedNonce !== null ? { expectedNonce: x.expectedNonce } : {}),
    idTokenExpected: true,
  });
  const idClaims = tokens.claims();
  if (!idClaims) throw new ProviderVerificationError('no ID token');
  requireIdTokenForUs(deps, idp, idClaims);
  const userInfo = metadata.userinfo_endpoint ? await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub) : {};
  const claims: Claims = { ...idClaims, ...userInfo };
  if (tokens.id_token !== undefined) rawIdTokens.set(claims, tokens.id_token);
  return claims;
}
