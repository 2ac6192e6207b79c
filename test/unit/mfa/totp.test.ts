// TOTP per RFC 6238 with the parameters authenticator apps use, checked against the RFC's own test vector.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateTotpSecret, matchTotpStep, totpCodeAt, totpUri } from '../../../src/mfa/totp.js';
import { normalizeRecoveryCode, generateRecoveryCodes } from '../../../src/mfa/recovery-codes.js';

// RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890", T = 59 s → 94287082 (8 digits; 6 digits: 287082).
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('totp', () => {
  test('matches the RFC 6238 test vector (SHA-1, 6 digits, 30 s)', () => {
    assert.equal(totpCodeAt(RFC_SECRET, new Date(59_000)), '287082');
    assert.equal(matchTotpStep(RFC_SECRET, '287082', new Date(59_000)), 1);
  });

  test('a code is accepted one step either side and not two', () => {
    const now = new Date('2026-06-01T12:00:10Z');
    const secret = generateTotpSecret();
    const step = Math.floor(now.getTime() / 30_000);
    assert.equal(matchTotpStep(secret, totpCodeAt(secret, new Date(now.getTime() - 30_000)), now), step - 1);
    assert.equal(matchTotpStep(secret, totpCodeAt(secret, new Date(now.getTime() + 30_000)), now), step + 1);
    assert.equal(matchTotpStep(secret, totpCodeAt(secret, new Date(now.getTime() - 60_000)), now), null);
    assert.equal(matchTotpStep(secret, 'abcdef', now), null);
  });

  test('the otpauth URI names issuer, account and the parameters apps need', () => {
    const uri = new URL(totpUri('JBSWY3DPEHPK3PXP', 'sso-gateway', 'alice'));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
    assert.equal(uri.searchParams.get('issuer'), 'sso-gateway');
  });

  test('recovery codes: ten distinct, normalised from what people type', () => {
    const codes = generateRecoveryCodes();
    assert.equal(new Set(codes).size, 10);
    for (const c of codes) assert.match(c, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    assert.equal(normalizeRecoveryCode(' ABCD-efgh-2345 '), 'abcdefgh2345');
    assert.equal(normalizeRecoveryCode('abcd'), null);
  });
});
