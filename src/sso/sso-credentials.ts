// Memos' API-driven SSO sign-in (`ssoCredentials`): the client ran the authorization-code flow itself and hands
// the gateway the code, its PKCE verifier and the redirect URI it used. The gateway insists on the verifier and
// on a redirect URI registered for the provider (Memos accepts any), then runs the same exchange, mapping,
// filter and user resolution as the browser flow.
import type { AuditOrigin } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import type { User } from '../users/user.js';
import type { ExternalProfile } from './field-mapping.js';
import { requireAllowedProfile } from './external-profile.js';
import type { IdentityProvider } from './identity-provider.js';
import { findIdpById, findIdpByUid } from './idp-lookup.js';
import { fetchProviderClaims } from './provider-client.js';
import { requireAllowedRedirectUri } from './redirect-uri.js';
import { resolveSsoUser } from './resolve-user.js';
import { recordSsoDenied, recordSsoSignIn } from './sso-audit.js';

export interface SsoCredentials {
  idpName?: string | undefined;
  idpId?: string | number | undefined;
  code: string;
  redirectUri: string;
  codeVerifier?: string | undefined;
}

// RFC 7636 §4.1: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const NAME = /^identity-providers\/([^/]+)$/;

export async function findIdpByReference(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'events' | 'logger' | 'metrics' | 'passwords' | 'providerDiscovery' | 'store'>, credentials: SsoCredentials): Promise<IdentityProvider | null> {
  if (credentials.idpName !== undefined && credentials.idpName !== '') {
    const match = NAME.exec(credentials.idpName);
    if (!match) throw invalidArgument(`invalid identity provider name: ${credentials.idpName.slice(0, 100)}`, [], 'PROVIDER_NOT_FOUND');
    return findIdpByUid(deps, match[1]!);
  }
  const id = credentials.idpId;
  if (typeof id === 'number') return Number.isSafeInteger(id) && id > 0 ? findIdpById(deps, id) : null;
  if (typeof id === 'string' && id !== '') {
    const byId = /^[0-9]{1,9}$/.test(id) ? await findIdpById(deps, Number(id)) : null;
    return byId ?? findIdpByUid(deps, id);
  }
  throw invalidArgument('ssoCredentials needs idpName or idpId', [], 'PROVIDER_NOT_FOUND');
}

/** Signs in with `ssoCredentials`; the outcome, either way, is an audit row naming the provider. */
export async function signInWithSsoCredentials(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'events' | 'logger' | 'metrics' | 'passwords' | 'providerDiscovery' | 'store'>, credentials: SsoCredentials, origin: AuditOrigin): Promise<User> {
  let idp: IdentityProvider | null = null;
  try {
    idp = await findIdpByReference(deps, credentials);
    if (!idp) throw invalidArgument('identity provider not found', [], 'PROVIDER_NOT_FOUND');
    const user = await exchangeCredentials(deps, idp, credentials);
    await recordSsoSignIn(deps, origin, idp.uid, user, 'api');
    return user;
  } catch (err) {
    await recordSsoDenied(deps, origin, idp?.uid ?? null, err, 'api');
    throw err;
  }
}

async function exchangeCredentials(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'events' | 'logger' | 'metrics' | 'passwords' | 'providerDiscovery' | 'store'>, idp: IdentityProvider, credentials: SsoCredentials): Promise<User> {
  return resolveSsoUser(deps, idp, await exchangeForProfile(deps, idp, credentials));
}

/** The code exchange, mapping and filter of `ssoCredentials`, without deciding who the account is (linking uses it). */
export async function exchangeForProfile(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'events' | 'logger' | 'metrics' | 'passwords' | 'providerDiscovery' | 'store'>, idp: IdentityProvider, credentials: SsoCredentials): Promise<ExternalProfile> {
  const redirectUri = requireAllowedRedirectUri(deps.config, idp, credentials.redirectUri);
  const codeVerifier = credentials.codeVerifier ?? '';
  if (!VERIFIER.test(codeVerifier)) {
    throw invalidArgument('codeVerifier is required: a PKCE S256 verifier of 43-128 characters (RFC 7636)', [
      { field: 'ssoCredentials.codeVerifier', description: 'required, 43-128 characters of [A-Za-z0-9._~-]' },
    ], 'VERIFIER_INVALID');
  }
  const claims = await fetchProviderClaims(deps, idp, {
    params: new URLSearchParams({ code: credentials.code }),
    redirectUri,
    codeVerifier,
    expectedState: null,
    expectedNonce: null,
  });
  return requireAllowedProfile(idp, claims);
}
