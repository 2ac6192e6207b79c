// Upstream sign-out (issue 15 item 6): for a provider with `endSessionAtProvider`, the ID token of the sign-in is
// kept sealed (mfa/secret-box.ts, bound to the session id) beside the session, like the sign-in method, for the
// session's lifetime; signing out at the gateway then sends the browser to the provider's end_session_endpoint
// with it as id_token_hint and a post_logout_redirect_uri back to the gateway's sign-in page.
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { IdentityProvider } from './identity-provider.js';
import { findIdpByUid } from './idp-lookup.js';
import { buildEndSessionUrl } from './oidc-client.js';

const key = (sessionId: string) => `upstream-signout:${sessionId}`;
const context = (sessionId: string) => `id-token:${sessionId}`;
const kept = z.object({ idp: z.string().min(1), sealed: z.string().min(1) });

type SignOutDeps = Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'ephemeral' | 'logger' | 'metrics' | 'passwords' | 'providerDiscovery' | 'secretBox' | 'store'>;

/** Where the provider sends the browser back after its sign-out. */
export function postLogoutRedirectUri(config: Deps['config']): string {
  return `${config.instanceUrl}/auth`;
}

/** Best effort: a sign-in is not refused because its ID token could not be kept (only the provider hop is lost). */
export async function keepIdTokenForSignOut(deps: SignOutDeps, sessionId: string, idp: IdentityProvider, idToken: string): Promise<void> {
  try {
    const value = JSON.stringify({ idp: idp.uid, sealed: deps.secretBox.seal(idToken, context(sessionId)) });
    await deps.ephemeral.set(key(sessionId), value, deps.config.sessionMaxAgeMs);
  } catch (err) {
    deps.logger.warn({ event: 'id_token_not_kept', sessionId, err: err instanceof Error ? err.message : String(err) }, 'the ID token was not kept; sign-out will not reach the provider');
  }
}

/** The provider's end_session URL for the first of `sessionIds` signed in through such a provider (single use), else null. */
export async function takeEndSessionUrl(deps: SignOutDeps, sessionIds: readonly string[]): Promise<string | null> {
  for (const sessionId of sessionIds) {
    const raw = await deps.ephemeral.getAndDelete(key(sessionId));
    if (raw === null) continue;
    const parsed = kept.safeParse(JSON.parse(raw));
    if (!parsed.success) continue;
    const idToken = deps.secretBox.open(parsed.data.sealed, context(sessionId));
    const idp = await findIdpByUid(deps, parsed.data.idp);
    if (idToken === null || idp === null || idp.config.endSessionAtProvider !== true) continue;
    try {
      return await buildEndSessionUrl(deps, idp, idToken, postLogoutRedirectUri(deps.config));
    } catch (err) {
      // The gateway's own sign-out has happened; a provider that is down only loses its hop.
      deps.logger.warn({ event: 'end_session_unavailable', idp: idp.uid, err: err instanceof Error ? err.message : String(err) }, 'provider end_session unavailable');
      return null;
    }
  }
  return null;
}
