// A relying party as oidc-provider's client metadata (RFC 7591 names). The secret handed over is the stored
// SHA-256: the provider compares it with the SHA-256 of what the client presents (provider.ts), so the database
// never holds a usable secret.
import type { ClientMetadata } from 'oidc-provider';
import type { OidcClient } from './oidc-storage.js';

export function clientMetadata(client: OidcClient): ClientMetadata {
  return {
    client_id: client.clientId,
    client_name: client.displayName,
    ...(client.public || client.secretHash === null
      ? { token_endpoint_auth_method: 'none' }
      : { client_secret: client.secretHash, token_endpoint_auth_method: 'client_secret_basic' }),
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: [...client.grantTypes],
    response_types: ['code'],
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    subject_type: client.subjectType,
    gateway_require_pkce: client.requirePkce,
    gateway_refresh_tokens: client.refreshTokens,
    gateway_token_lifetimes: client.tokenLifetimes,
    ...(client.backchannelLogoutUri ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
  };
}
