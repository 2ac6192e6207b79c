// One face for both kinds of provider: OpenID Connect (an issuer is configured: openid-client with discovery
// and ID-token checks) and plain OAuth2 (configured URLs, user-info endpoint). Errors leave here translated.
import type { Deps } from '../deps.js';
import type { Claims } from './field-mapping.js';
import type { IdentityProvider } from './identity-provider.js';
import { buildPlainAuthorizationUrl, exchangePlainCode } from './oauth2-client.js';
import { buildOidcAuthorizationUrl, exchangeOidcCode } from './oidc-client.js';
import { translateProviderError } from './provider-errors.js';

export const isOidcProvider = (idp: IdentityProvider) => idp.config.issuer !== '';

export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  /** Required for OpenID Connect providers, ignored by plain OAuth2 ones. */
  nonce: string | null;
  codeChallenge: string;
}

export async function buildAuthorizationUrl(deps: Deps, idp: IdentityProvider, a: AuthorizationRequest): Promise<URL> {
  try {
    if (isOidcProvider(idp)) {
      if (a.nonce === null) throw new Error('OpenID Connect authorization needs a nonce');
      return await buildOidcAuthorizationUrl(deps, idp, { ...a, nonce: a.nonce });
    }
    return buildPlainAuthorizationUrl(idp, a);
  } catch (err) {
    throw logged(deps, idp, translateProviderError(idp, err), 'authorization request');
  }
}

export interface CodeExchange {
  params: URLSearchParams;
  redirectUri: string;
  codeVerifier: string;
  expectedState: string | null;
  expectedNonce: string | null;
}

/** The provider's claims about the signed-in account, after the exchange and every check passed. */
export async function fetchProviderClaims(deps: Deps, idp: IdentityProvider, x: CodeExchange): Promise<Claims> {
  try {
    return isOidcProvider(idp) ? await exchangeOidcCode(deps, idp, x) : await exchangePlainCode(idp, x, deps.config, deps.logger);
  } catch (err) {
    throw logged(deps, idp, translateProviderError(idp, err), 'code exchange');
  }
}

function logged<E extends Error & { cause?: unknown; status?: number }>(deps: Deps, idp: IdentityProvider, err: E, step: string): E {
  // The provider's own words (error_description, bodies) are kept for the operator, never sent to the caller.
  deps.logger.warn({ event: 'sso_provider_error', idp: idp.uid, step, err: err.cause ?? err, status: err.status }, `identity provider ${step} failed`);
  return err;
}
