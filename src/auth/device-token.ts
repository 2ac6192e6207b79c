// The device token (OWASP's "device cookie" against account lock-out): a JWT naming the account, given to a
// client after a successful password sign-in and kept for a year. A later sign-in that presents a valid one for
// the account it names has proved it came from a client that signed in before, and is counted on the account's
// device allowance instead of its per-account ban (regulation.ts), so strangers' failures cannot lock it out.
import { randomUUID } from 'node:crypto';
import { signToken, verifyToken } from './jwt.js';
import type { KeyRing } from './keys.js';

export const DEVICE_TOKEN_TTL_SECONDS = 365 * 24 * 60 * 60;

export function issueDeviceToken(keys: KeyRing, userId: number, now: Date): Promise<{ token: string; expiresAt: Date }> {
  return signToken(keys, 'device', { did: randomUUID() }, String(userId), now, DEVICE_TOKEN_TTL_SECONDS);
}

/** True when `token` is a valid device token of `userId`; a missing, forged, expired or foreign one is false. */
export async function isTrustedDevice(keys: KeyRing, token: string | null | undefined, userId: number, now: Date): Promise<boolean> {
  if (!token) return false;
  try {
    const payload = await verifyToken(keys, 'device', token, now, DEVICE_TOKEN_TTL_SECONDS);
    return payload.sub === String(userId);
  } catch {
    return false;
  }
}
