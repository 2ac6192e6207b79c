// GET /.well-known/jwks.json: the public half of the gateway's signing keys (the OpenID Provider's, which also
// sign the upstream identity assertions), retired keys included until everything they signed has expired.
import type { RequestHandler } from 'express';
import type { JWK } from 'jose';
import type { Deps } from '../deps.js';
import { loadProviderJwks } from '../oidc-provider/signing-keys.js';

/** RFC 7517 §9.3 / RFC 7518 §6: the members that hold private key material. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

export function publicJwk(jwk: JWK): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  delete copy.key_ops;
  return copy as JWK;
}

export function servePublicJwks(deps: Pick<Deps, 'store' | 'clock'>): RequestHandler {
  return async (_req, res) => {
    const { keys } = await loadProviderJwks(deps.store.oidcKeys, deps.clock.now());
    res.set('Cache-Control', 'public, max-age=300');
    res.json({ keys: keys.map(publicJwk) });
  };
}
