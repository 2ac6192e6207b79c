// The OpenID Provider's signing keys, kept in the database: one RS256 (the default for ID tokens) and one ES256
// key sign at a time; rotation adds new ones and retires the old, which stay in the JWKS (verify only) until every
// token they can have signed has expired. Private parts never leave the database except into the provider.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { ID_TOKEN_ALGS, type IdTokenAlg, type OidcSigningKeyRepository } from './oidc-storage.js';

/** Longer than anything signed with these keys lives (ID tokens and logout tokens: 1 hour). */
export const RETIRED_KEY_KEEP_MS = 24 * 60 * 60 * 1000;

async function newKey(alg: IdTokenAlg, now: Date) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${now.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateJwk: JSON.stringify(jwk), createdAt: now, retiredAt: null };
}

/** Makes the first keys when there are none (first start); concurrent first starts may both add: harmless. */
export async function ensureSigningKeys(repo: OidcSigningKeyRepository, now: Date): Promise<void> {
  const keys = await repo.list();
  for (const alg of ID_TOKEN_ALGS) {
    if (!keys.some((k) => k.alg === alg && k.retiredAt === null)) await repo.add(await newKey(alg, now));
  }
}

/** New keys sign from now on; the previous ones verify until RETIRED_KEY_KEEP_MS after now. */
export async function rotateOidcSigningKeys(repo: OidcSigningKeyRepository, now: Date): Promise<string[]> {
  const kids: string[] = [];
  for (const alg of ID_TOKEN_ALGS) {
    const key = await newKey(alg, now);
    await repo.add(key);
    await repo.retireOthers(alg, key.kid, now);
    kids.push(key.kid);
  }
  await repo.deleteRetiredBefore(new Date(now.getTime() - RETIRED_KEY_KEEP_MS));
  return kids;
}

/** The provider's JWKS: signing keys first (RS256 first: the default), retired keys marked verify-only. */
export async function loadProviderJwks(repo: OidcSigningKeyRepository, now: Date): Promise<{ keys: JWK[]; fingerprint: string }> {
  const keys = (await repo.list()).filter((k) => k.retiredAt === null || now.getTime() - k.retiredAt.getTime() < RETIRED_KEY_KEEP_MS);
  const rank = (k: (typeof keys)[number]) => (k.retiredAt === null ? 0 : 2) + (k.alg === 'RS256' ? 0 : 1);
  keys.sort((a, b) => rank(a) - rank(b));
  const jwks = keys.map((k) => {
    const jwk = JSON.parse(k.privateJwk) as JWK;
    return k.retiredAt === null ? jwk : { ...jwk, key_ops: ['verify'] };
  });
  return { keys: jwks, fingerprint: keys.map((k) => `${k.kid}:${k.retiredAt === null ? 's' : 'v'}`).join(',') };
}
