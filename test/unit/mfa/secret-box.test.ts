// The at-rest form of second-factor secrets: AES-256-GCM under an HKDF-derived key, bound to its owner.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SecretBox } from '../../../src/mfa/secret-box.js';

describe('secret box', () => {
  const box = new SecretBox('0123456789abcdef-instance-secret');

  test('a sealed secret opens with the same key and context, and does not contain the plaintext', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:1');
    assert.doesNotMatch(sealed, /JBSWY3DPEHPK3PXP/);
    assert.notEqual(box.seal('JBSWY3DPEHPK3PXP', 'totp:1'), sealed, 'a fresh IV each time');
    assert.equal(box.open(sealed, 'totp:1'), 'JBSWY3DPEHPK3PXP');
  });

  test('another owner, another key, or a flipped byte does not open it', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:1');
    assert.equal(box.open(sealed, 'totp:2'), null, 'moved to another user');
    assert.equal(new SecretBox('another-instance-secret-0000').open(sealed, 'totp:1'), null);
    const [v, iv, body] = sealed.split('.') as [string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    bytes[0]! ^= 1;
    assert.equal(box.open(`${v}.${iv}.${bytes.toString('base64url')}`, 'totp:1'), null);
    assert.equal(box.open('garbage', 'totp:1'), null);
  });

  test('hashes are keyed: the same code hashes differently under another key', () => {
    assert.equal(box.hash('abcd'), box.hash('abcd'));
    assert.notEqual(new SecretBox('another-instance-secret-0000').hash('abcd'), box.hash('abcd'));
    assert.match(box.hash('abcd'), /^[0-9a-f]{64}$/);
  });
});
