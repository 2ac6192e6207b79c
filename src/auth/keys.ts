// Signing keys. The first secret is a UUID made on first start and kept in system_setting BASIC (as Memos does),
// with kid v1; rotation appends v2, v3… The newest signs, every listed key verifies. Keys are imported once as
// CryptoKeys so verification never re-imports them.
import { randomUUID, webcrypto } from 'node:crypto';
import type { SettingRepository } from '../settings/setting-repository.js';

export const DEMO_SECRET = 'usememos';
const BASIC = 'BASIC';

export interface SigningKey {
  kid: string;
  key: webcrypto.CryptoKey;
  createdAt: Date;
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

export class KeyRing {
  private readonly byKid: Map<string, SigningKey>;
  readonly signing: SigningKey;

  constructor(keys: SigningKey[]) {
    if (keys.length === 0) throw new Error('a key ring needs at least one key');
    this.byKid = new Map(keys.map((k) => [k.kid, k]));
    this.signing = keys[keys.length - 1]!;
  }

  find(kid: unknown): SigningKey | null {
    if (typeof kid !== 'string' || kid.length > 16) return null;
    return this.byKid.get(kid) ?? null;
  }

  get kids(): string[] {
    return [...this.byKid.keys()];
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
    throw new Error('system_setting BASIC has no usable secretKey');
  }
  return { ...parsed, secretKey: parsed.secretKey };
}

export async function keyRingFromBasic(basic: BasicSetting): Promise<KeyRing> {
  const stored: StoredKey[] = [
    { kid: 'v1', secret: basic.secretKey, createdAt: basic.createdAt ?? new Date(0).toISOString() },
    ...(basic.rotatedKeys ?? []),
  ];
  return new KeyRing(
    await Promise.all(
      stored.map(async (k) => ({ kid: k.kid, key: await importHmacKey(k.secret), createdAt: new Date(k.createdAt) })),
    ),
  );
}

/**
 * Loads the key ring, creating the v1 secret on first start. Two processes starting together on an empty
 * database agree on one secret: the insert is conditional and both then read what was stored.
 */
export async function loadKeyRing(settings: SettingRepository, options: { demo: boolean; now: Date }): Promise<KeyRing> {
  if (options.demo) {
    return new KeyRing([{ kid: 'v1', key: await importHmacKey(DEMO_SECRET), createdAt: options.now }]);
  }
  let value = await settings.find(BASIC);
  if (value === null) {
    const fresh: BasicSetting = { secretKey: randomUUID(), schemaVersion: '1', createdAt: options.now.toISOString() };
    await settings.insertIfAbsent(BASIC, JSON.stringify(fresh));
    value = await settings.find(BASIC);
    if (value === null) throw new Error('could not store the signing secret');
  }
  return keyRingFromBasic(parseBasicSetting(value));
}
