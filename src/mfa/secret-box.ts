// Encryption at rest for second-factor secrets: AES-256-GCM under a key derived (HKDF-SHA256, RFC 5869) from
// GATEWAY_SECRETS_KEY when set, else from the instance secret (system_setting BASIC). The ciphertext is bound to
// its owner with associated data, so a row copied onto another user does not decrypt. Also keys the HMAC that
// recovery codes are stored under, so a database dump alone cannot be brute-forced offline.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private readonly encryptionKey: Buffer;
  private readonly hashKey: Buffer;

  constructor(keyMaterial: string) {
    if (keyMaterial.length < 16) throw new Error('secret-box key material is shorter than 16 characters');
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', keyMaterial, 'sso-gateway', info, 32));
    this.encryptionKey = derive('mfa secret encryption v1');
    this.hashKey = derive('mfa recovery code hash v1');
  }

  /** `v1.<iv>.<ciphertext+tag>` (base64url); `context` (e.g. `totp:42`) must be given again to open it. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The plaintext, or null when the value was not sealed by this key for this context (tampered, moved). */
  open(sealed: string, context: string): string | null {
    const [version, ivText, bodyText] = sealed.split('.');
    if (version !== VERSION || !ivText || !bodyText) return null;
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, iv);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  /** Keyed hash (HMAC-SHA256, hex) of a low-entropy secret such as a recovery code. */
  hash(value: string): string {
    return createHmac('sha256', this.hashKey).update(value, 'utf8').digest('hex');
  }
}
