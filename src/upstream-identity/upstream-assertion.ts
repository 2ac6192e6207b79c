// The signed identity for upstream apps (issue 15 item 3): on an allowed /auth/verify answer, a short-lived ES256
// JWT in the configured header (GATEWAY_UPSTREAM_JWT_HEADER) that the app verifies against /.well-known/jwks.json.
// Signed with the OpenID Provider's current ES256 key (oidc-provider/signing-keys.ts: rotation with overlap), cached
// per credential (session, token, PAT) and audience, so the verify path does not sign on every request.
import { importJWK, SignJWT, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { BoundedCache } from '../forward-auth/bounded-cache.js';
import type { Identity } from '../forward-auth/identity.js';
import type { OidcSigningKeyRepository } from '../oidc-provider/oidc-storage.js';
import { ensureSigningKeys } from '../oidc-provider/signing-keys.js';
import { upstreamGroupsOf } from './groups.js';

/** RFC 7519 `exp`: at most 5 minutes after `iat` (issue 15). */
export const ASSERTION_LIFETIME_S = 300;
/** A cached assertion is handed out while it has at least this long left, so an app never gets a dying one. */
const MIN_REMAINING_S = 60;
/** How often the current signing key is re-read (a rotation by the admin CLI reaches every replica within this). */
export const KEY_REFRESH_MS = 60_000;
const MAX_CACHED = 10_000;

export interface UpstreamAssertionDeps {
  config: Pick<Config, 'instanceUrl'>;
  clock: Clock;
  oidcKeys: OidcSigningKeyRepository;
}

interface CurrentKey {
  kid: string;
  key: Awaited<ReturnType<typeof importJWK>>;
  loadedAt: number;
}

export class UpstreamAssertions {
  private readonly cache = new BoundedCache<string>(MAX_CACHED);
  /** Identity objects are built once per cached credential: their serial is the per-session part of the key. */
  private readonly serials = new WeakMap<Identity, number>();
  private nextSerial = 1;
  private current: Promise<CurrentKey> | null = null;

  constructor(
    readonly headerName: string,
    private readonly deps: UpstreamAssertionDeps,
  ) {}

  /** The cached assertion, if there is one (forward-auth's synchronous fast path). */
  peek(identity: Identity, audience: string, now: number): string | undefined {
    return this.cache.find(this.cacheKey(identity, audience), now);
  }

  /** The assertion for `identity` towards `audience` (the target's host name), from the cache or signed now. */
  async assertionFor(identity: Identity, audience: string): Promise<string> {
    const now = this.deps.clock.now().getTime();
    const cacheKey = this.cacheKey(identity, audience);
    const cached = this.cache.find(cacheKey, now);
    if (cached !== undefined) return cached;
    const { kid, key } = await this.signingKey(now);
    const iat = Math.floor(now / 1000);
    const jwt = await new SignJWT({
      preferred_username: identity.username,
      ...(identity.email === '' ? {} : { email: identity.email }),
      groups: [...upstreamGroupsOf(identity)],
    })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(this.deps.config.instanceUrl)
      .setAudience(audience)
      .setSubject(String(identity.userId))
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_LIFETIME_S)
      .sign(key);
    this.cache.set(cacheKey, jwt, (iat + ASSERTION_LIFETIME_S - MIN_REMAINING_S) * 1000);
    return jwt;
  }

  private cacheKey(identity: Identity, audience: string): string {
    let serial = this.serials.get(identity);
    if (serial === undefined) {
      serial = this.nextSerial++;
      this.serials.set(identity, serial);
    }
    return `${serial}\n${audience}`;
  }

  private async signingKey(now: number): Promise<CurrentKey> {
    const current = this.current === null ? null : await this.current.catch(() => null);
    if (current !== null && now - current.loadedAt < KEY_REFRESH_MS) return current;
    this.current = this.loadKey(now);
    try {
      return await this.current;
    } catch (err) {
      this.current = null;
      throw err;
    }
  }

  private async loadKey(now: number): Promise<CurrentKey> {
    let record = (await this.deps.oidcKeys.list()).find((k) => k.alg === 'ES256' && k.retiredAt === null);
    if (record === undefined) {
      await ensureSigningKeys(this.deps.oidcKeys, new Date(now));
      record = (await this.deps.oidcKeys.list()).find((k) => k.alg === 'ES256' && k.retiredAt === null);
    }
    if (record === undefined) throw new Error('no ES256 signing key');
    return { kid: record.kid, key: await importJWK(JSON.parse(record.privateJwk) as JWK, 'ES256'), loadedAt: now };
  }
}
