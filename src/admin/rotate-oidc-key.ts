// `npm run admin -- rotate-oidc-key`: new OpenID Provider signing keys (RS256 and ES256) sign from now on; the
// previous ones stay in the JWKS, verify-only, until every ID token they signed has expired. Running gateways
// pick the new keys up within a minute. Prints kids, never a key.
import { rotateOidcSigningKeys } from '../oidc-provider/signing-keys.js';
import type { Store } from '../store/store.js';

export const ROTATE_OIDC_KEY = 'rotate-oidc-key';

export async function rotateOidcKeyCommand(store: Store, now: Date, out: { write(text: string): void }): Promise<void> {
  const kids = await rotateOidcSigningKeys(store.oidcKeys, now);
  out.write(`rotated OpenID Provider keys: ${kids.join(', ')} sign from now on; running gateways pick them up within a minute\n`);
  for (const key of await store.oidcKeys.list()) {
    out.write(`${key.kid}\t${key.alg}\tcreated ${key.createdAt.toISOString()}\t${key.retiredAt ? `verify-only since ${key.retiredAt.toISOString()}` : 'signing'}\n`);
  }
}
