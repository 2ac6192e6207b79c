// Starting a browser sign-in at a provider: fresh state, PKCE S256 verifier and (OpenID Connect) nonce, a flow
// record bound to this browser, and the authorization URL to send the browser to.
import * as oidc from 'openid-client';
import type { Deps } from '../deps.js';
import { randomToken } from '../auth/secrets.js';
import { saveFlowRecord } from './flow-record.js';
import { requireIdp } from './idp-admin.js';
import { buildAuthorizationUrl, isOidcProvider } from './provider-client.js';
import { callbackUrl } from './redirect-uri.js';

export interface StartFlowInput {
  idpUid: string;
  /** Already checked with checkReturnUrl. */
  returnTo: string;
  /** SHA-256 hex of the browser's binding cookie. */
  bindingHash: string;
}

export async function startSsoFlow(deps: Deps, input: StartFlowInput): Promise<URL> {
  const idp = await requireIdp(deps, input.idpUid);
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
  });
  deps.logger.debug({ event: 'sso_started', idp: idp.uid }, 'SSO flow started');
  return url;
}
