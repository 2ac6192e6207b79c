// Starting a browser sign-in at a provider: fresh state, PKCE S256 verifier and (OpenID Connect) nonce, a flow
// record bound to this browser, and the authorization URL to send the browser to.
import * as oidc from 'openid-client';
import type { AuditOrigin } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { randomToken } from '../auth/secrets.js';
import { saveFlowRecord } from './flow-record.js';
import type { IdentityProvider } from './identity-provider.js';
import { requireIdp } from './idp-admin.js';
import { buildAuthorizationUrl, isOidcProvider } from './provider-client.js';
import { callbackUrl } from './redirect-uri.js';
import { recordSsoDenied } from './sso-audit.js';

export interface StartFlowInput {
  idpUid: string;
  /** Already checked with checkReturnUrl. */
  returnTo: string;
  /** SHA-256 hex of the browser's binding cookie. */
  bindingHash: string;
  /** Where the request came from, for the audit row of a refusal. */
  origin: AuditOrigin;
  /** Link the provider's account to this signed-in user instead of signing in (sso/linked-identities.ts). */
  linkUserId?: number;
}

/** Starts the flow; a refusal (unknown or unusable provider, state store down) is an sso.denied audit row. */
export async function startSsoFlow(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'ephemeral' | 'logger' | 'metrics' | 'providerDiscovery' | 'store'>, input: StartFlowInput): Promise<URL> {
  let idpUid: string | null = null;
  try {
    const idp = await requireIdp(deps, input.idpUid);
    idpUid = idp.uid;
    return await beginAtProvider(deps, idp, input);
  } catch (err) {
    await recordSsoDenied(deps, input.origin, idpUid, err, 'start');
    throw err;
  }
}

async function beginAtProvider(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'ephemeral' | 'logger' | 'metrics' | 'providerDiscovery' | 'store'>, idp: IdentityProvider, input: StartFlowInput): Promise<URL> {
  const state = randomToken();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const nonce = isOidcProvider(idp) ? randomToken() : null;
  const url = await buildAuthorizationUrl(deps, idp, {
    redirectUri: callbackUrl(deps.config),
    state,
    nonce,
    codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
  });
  await saveFlowRecord(deps.ephemeral, {
    state,
    codeVerifier,
    nonce,
    idp: idp.uid,
    returnTo: input.returnTo,
    binding: input.bindingHash,
    createdAt: deps.clock.now().getTime(),
    ...(input.linkUserId !== undefined ? { linkUserId: input.linkUserId } : {}),
  });
  deps.logger.debug({ event: 'sso_started', idp: idp.uid }, 'SSO flow started');
  return url;
}
