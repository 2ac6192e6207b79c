// Plain OAuth2 providers (GitHub and the docs' URL-configured providers): no ID token and no discovery, so the
// exchange is a small fetch rather than openid-client, whose token-response processing insists on validating
// any ID token against an issuer these configurations do not have. Same limits as every outbound call; the
// provider's answer is parsed, never echoed.
import type { Claims } from './field-mapping.js';
import type { IdentityProvider } from './identity-provider.js';
import type { Logger } from '../logger.js';
import { withVerifiedGithubEmail } from './github-emails.js';
import { withGithubGroups } from './github-groups.js';
import { boundedFetch, type OutboundPolicy } from './outbound-fetch.js';
import { ProviderRejectedError, ProviderVerificationError } from './provider-errors.js';

export interface PlainAuthorization {
  redirectUri: string;
  state: string;
  codeChallenge: string;
}

export function buildPlainAuthorizationUrl(idp: IdentityProvider, a: PlainAuthorization): URL {
  const url = new URL(idp.config.authUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', idp.config.clientId);
  url.searchParams.set('redirect_uri', a.redirectUri);
  if (idp.config.scopes.length > 0) url.searchParams.set('scope', idp.config.scopes.join(' '));
  url.searchParams.set('state', a.state);
  url.searchParams.set('code_challenge', a.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url;
}

export interface PlainExchange {
  params: URLSearchParams;
  redirectUri: string;
  codeVerifier: string;
}

async function readObject(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  // GitHub answers form-encoded unless asked for JSON; accept either.
  if (/application\/x-www-form-urlencoded/i.test(type)) return Object.fromEntries(new URLSearchParams(text));
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ProviderVerificationError(`expected a JSON object (HTTP ${res.status})`);
}

/** client_secret_post unless the provider is configured for client_secret_basic (RFC 6749 §2.3.1 encoding). */
function clientAuthentication(idp: IdentityProvider, body: URLSearchParams): Record<string, string> {
  const { clientId, clientSecret } = idp.config;
  if (idp.config.tokenEndpointAuthMethod !== 'client_secret_basic') {
    body.set('client_id', clientId);
    body.set('client_secret', clientSecret);
    return {};
  }
  const encode = (s: string) => new URLSearchParams({ s }).toString().slice(2);
  return { authorization: `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}` };
}

async function exchangeCode(idp: IdentityProvider, x: PlainExchange, code: string, policy: OutboundPolicy): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: x.redirectUri,
    code_verifier: x.codeVerifier,
  });
  const auth = clientAuthentication(idp, body);
  const res = await boundedFetch(idp.config.tokenUrl, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', ...auth },
    body,
  }, policy);
  if (res.status >= 300 && res.status < 400) throw new ProviderVerificationError(`token endpoint redirected (${res.status})`);
  const json = await readObject(res).catch((err: unknown) => {
    if (res.status >= 400) throw new ProviderRejectedError('invalid_response', res.status);
    throw err;
  });
  // GitHub reports errors with HTTP 200 and an `error` member.
  if (typeof json.error === 'string') throw new ProviderRejectedError(json.error.slice(0, 64), res.status);
  if (res.status !== 200) throw new ProviderRejectedError('invalid_response', res.status);
  if (typeof json.access_token !== 'string' || json.access_token === '') {
    throw new ProviderVerificationError('token response without access_token');
  }
  if (json.token_type !== undefined && String(json.token_type).toLowerCase() !== 'bearer') {
    throw new ProviderVerificationError('token response with a token type other than bearer');
  }
  return json.access_token;
}

async function fetchUserInfo(idp: IdentityProvider, accessToken: string, policy: OutboundPolicy): Promise<Claims> {
  const res = await boundedFetch(idp.config.userInfoUrl, {
    headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` },
  }, policy);
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`user-info endpoint answered ${res.status}`);
  }
  return readObject(res);
}

/** Exchanges the code (with the PKCE verifier) and returns the user-info claims (GitHub: with its verified email, orgs and teams). */
export async function exchangePlainCode(idp: IdentityProvider, x: PlainExchange, policy: OutboundPolicy, logger: Pick<Logger, 'warn'>): Promise<Claims> {
  const iss = x.params.get('iss');
  // An `iss` from somewhere else means the response was meant for another provider (RFC 9207 mix-up).
  if (iss !== null && new URL(idp.config.authUrl).origin !== safeOrigin(iss)) {
    throw new ProviderVerificationError('authorization response issuer does not belong to this provider');
  }
  const code = x.params.get('code');
  if (!code) throw new ProviderVerificationError('authorization response without code');
  const accessToken = await exchangeCode(idp, x, code, policy);
  const claims = await withVerifiedGithubEmail(idp, await fetchUserInfo(idp, accessToken, policy), accessToken, policy, logger);
  return withGithubGroups(idp, claims, accessToken, policy);
}

function safeOrigin(raw: string): string | null {
  try {
    return new URL(raw).origin;
  } catch {
    return null;
  }
}
