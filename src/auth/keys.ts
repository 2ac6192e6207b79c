// Signing keys. The first secret is a UUID made on first start and kept in system_setting BASIC (as Memos does),
// with kid v1; rotation appends v2, v3… The newest signs; every key verifies until the longest-lived token it
// can have signed (a refresh token) has expired. Keys are imported once as CryptoKeys. A replica learns about a
// rotation done elsewhere by reloading the ring periodically and, rate-limited, when it meets an unknown kid.
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import type { SettingRepository } from '../settings/setting-repository.js';

export const DEMO_SECRET = 'usememos';
const BASIC = 'BASIC';
/** A key stays valid for verification this long after a newer key took over signing (refresh-token lifetime). */
export const KEY_VERIFY_OVERLAP_MS = 30 * 24 * 60 * 60 * 1000;
const RELOAD_ON_UNKNOWN_KID_EVERY_MS = 5000;

export interface SigningKey {
  kid: string;
  key: webcrypto.CryptoKey;
  createdAt: Date;
  /** When this key stops verifying (null while it is the signing key). */
  retiresAt: Date | null;
}

export interface StoredKey {
  kid: string;
  secret: string;
  createdAt: string;
}

/** The BASIC row: Memos' `secretKey` (kid v1) plus the keys added by rotation. */
export interface BasicSetting {
  secretKey: string;
  schemaVersion?: string;
  createdAt?: string;
  rotatedKeys?: StoredKey[];
}

type Loader = () => Promise<SigningKey[]>;

export class KeyRing {
  private byKid = new Map<string, SigningKey>();
  private current!: SigningKey;
  private lastReload = 0;

  constructor(keys: SigningKey[], private readonly loader: Loader | null = null) {
    this.replace(keys);
  }

  get signing(): SigningKey {
    return this.current;
  }

  get keys(): SigningKey[] {
    return [...this.byKid.values()];
  }

  /** Synchronous lookup among the keys held now. */
  find(kid: unknown): SigningKey | null {
    if (typeof kid !== 'string' || kid.length > 16) return null;
    return this.byKid.get(kid) ?? null;
  }

  /** Like find, but an unknown well-formed kid triggers one reload from storage (at most every 5 s). */
  async resolve(kid: unknown, now: Date): Promise<SigningKey | null> {
    const found = this.find(kid);
    if (found || !this.loader || typeof kid !== 'string' || !/^v[0-9]{1,6}$/.test(kid)) return found;
    if (now.getTime() - this.lastReload < RELOAD_ON_UNKNOWN_KID_EVERY_MS) return null;
    await this.reload(now);
    return this.find(kid);
  }

  async reload(now: Date): Promise<void> {
    if (!this.loader) return;
    this.lastReload = now.getTime();
    this.replace(await this.loader());
  }

  private replace(keys: SigningKey[]): void {
    if (keys.length === 0) throw new Error('a key ring needs at least one key');
    this.byKid = new Map(keys.map((k) => [k.kid, k]));
    this.current = keys[keys.length - 1]!;
  }
}

export async function importHmacKey(secret: string): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

export function parseBasicSetting(value: string): BasicSetting {
  const parsed = JSON.parse(value) as Partial<BasicSetting>;
  if (typeof parsed.secretKey !== 'string' || parsed.secretKey.length < 16) {
    throw new Error('system_setting BASIC has no usable secretKey (missing or shorter than 16 characters)');
  }
  return { ...parsed, secretKey: parsed.secretKey };
}

function storedKeys(basic: BasicSetting): StoredKey[] {
  return [
    { kid: 'v1', secret: basic.secretKey, createdAt: basic.createdAt ?? new Date(0).toISOString() },
    ...(basic.rotatedKeys ?? []),
  ];
}

/** The keys still valid at `now`, oldest first; a key retires a full overlap after its successor appeared. */
export async function signingKeysFromBasic(basic: BasicSetting, now: Date): Promise<SigningKey[]> {
  const stored = storedKeys(basic);
  const keys = await Promise.all(
    stored.map(async (k, i) => {
      const successor = stored[i + 1];
      const retiresAt = successor ? new Date(new Date(successor.createdAt).getTime() + KEY_VERIFY_OVERLAP_MS) : null;
      return { kid: k.kid, key: await importHmacKey(k.secret), createdAt: new Date(k.createdAt), retiresAt };
    }),
  );
  return keys.filter((k) => k.retiresAt === null || k.retiresAt.getTime() > now.getTime());
}

async function readOrCreateBasic(settings: SettingRepository, now: Date): Promise<string> {
  const existing = await settings.find(BASIC);
  if (existing !== null) return existing;
  const fresh: BasicSetting = { secretKey: randomUUID(), schemaVersion: '1', createdAt: now.toISOString() };
  await settings.insertIfAbsent(BASIC, JSON.stringify(fresh));
  const value = await settings.find(BASIC);
  if (value === null) throw new Error('could not store the signing secret');
  return value;
}

/**
 * Loads the key ring, creating the v1 secret on first start. Two processes starting together on an empty
 * database agree on one secret: the insert is conditional and both then read what was stored.
 */
export async function loadKeyRing(settings: SettingRepository, options: { demo: boolean; now: Date; clock?: () => Date }): Promise<KeyRing> {
  if (options.demo) {
    return new KeyRing([{ kid: 'v1', key: await importHmacKey(DEMO_SECRET), createdAt: options.now, retiresAt: null }]);
  }
  const clock = options.clock ?? (() => new Date());
  const load = async () => signingKeysFromBasic(parseBasicSetting(await readOrCreateBasic(settings, clock())), clock());
  return new KeyRing(await signingKeysFromBasic(parseBasicSetting(await readOrCreateBasic(settings, options.now)), options.now), load);
}

/**
 * Adds the next key (v2, v3, …) with a fresh 256-bit secret; it signs from now on. A compare-and-set on the
 * BASIC row makes concurrent rotations safe: the loser re-reads and adds the key after the winner's.
 */
export async function rotateSigningKey(settings: SettingRepository, now: Date): Promise<{ kid: string; createdAt: Date }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await readOrCreateBasic(settings, now);
    const basic = parseBasicSetting(before);
    const numbers = storedKeys(basic).map((k) => Number(k.kid.slice(1)));
    const kid = `v${Math.max(...numbers) + 1}`;
    const key: StoredKey = { kid, secret: randomBytes(32).toString('base64url'), createdAt: now.toISOString() };
    const next: BasicSetting = { ...basic, rotatedKeys: [...(basic.rotatedKeys ?? []), key] };
    if (await settings.compareAndSet(BASIC, before, JSON.stringify(next))) return { kid, createdAt: now };
  }
  throw new Error('signing key rotation kept losing races; try again');
}
