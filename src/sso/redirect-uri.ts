// Redirect URIs. The browser flow always uses the instance's own /auth/callback. The API flow (Memos
// `ssoCredentials`) may name that one or a URI the admin registered on the provider (`redirectUris`), never an
// arbitrary one: a code minted for a foreign redirect URI is not accepted here (RFC 9700 §4.1).
import type { Config } from '../config.js';
import { invalidArgument } from '../errors.js';
import type { IdentityProvider } from './identity-provider.js';
import { isLoopbackHost } from './provider-url.js';

export const CALLBACK_PATH = '/auth/callback';

export function callbackUrl(config: Pick<Config, 'instanceUrl'>): string {
  return `${config.instanceUrl}${CALLBACK_PATH}`;
}

/** What is wrong with `raw` as a registrable redirect URI (https, or http on loopback for native apps). */
export function findRedirectUriProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  if (url.hash !== '' || url.search !== '') return 'must not contain a query or fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  return 'must be an https URL (or http on a loopback host)';
}

export function requireAllowedRedirectUri(config: Pick<Config, 'instanceUrl'>, idp: IdentityProvider, redirectUri: string): string {
  if (redirectUri === callbackUrl(config) || idp.config.redirectUris.includes(redirectUri)) return redirectUri;
  throw invalidArgument('redirectUri is not registered for this identity provider', [
    { field: 'ssoCredentials.redirectUri', description: `must be ${callbackUrl(config)} or one of the provider's redirectUris` },
  ], 'REDIRECT_URI_NOT_ALLOWED');
}
