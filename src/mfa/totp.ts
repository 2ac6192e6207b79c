// TOTP as every authenticator app expects it (RFC 6238: SHA-1, 6 digits, 30 s), through `otpauth`. Codes are
// accepted one step either side (RFC 6238 §5.2); the caller learns which time step matched, so a used step can
// be refused afterwards (§5.2: "the verifier MUST NOT accept the second attempt of the same OTP").
import { Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
const WINDOW = 1;

function totpFor(secretBase32: string, label = '', issuer = ''): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** A fresh 160-bit secret (RFC 4226 §4 recommends 160), base32 without padding. */
export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secretBase32: string, issuer: string, accountName: string): string {
  return totpFor(secretBase32, accountName, issuer).toString();
}

/** The time step a 6-digit code matches at `now` (±1 step), or null. */
export function matchTotpStep(secretBase32: string, code: string, now: Date): number | null {
  if (!/^[0-9]{6}$/.test(code)) return null;
  const timestamp = now.getTime();
  const delta = totpFor(secretBase32).validate({ token: code, timestamp, window: WINDOW });
  if (delta === null) return null;
  return Math.floor(timestamp / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

/** The code for a time (tests and tools compute what an authenticator app would show). */
export function totpCodeAt(secretBase32: string, at: Date): string {
  return totpFor(secretBase32).generate({ timestamp: at.getTime() });
}
