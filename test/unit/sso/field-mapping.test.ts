// Field mapping over provider claims: usable identifiers only, numbers as strings, safe optional fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findIdentifier, mapProfile } from '../../../src/sso/field-mapping.js';

const mapping = { identifier: 'id', displayName: 'name', email: 'email', avatarUrl: 'avatar_url' };

test("GitHub's numeric id becomes its decimal string", () => {
  assert.equal(findIdentifier({ id: 583231 }, mapping), '583231');
});

test('a missing, null, empty, object, array, boolean or fractional identifier is unusable', () => {
  for (const id of [undefined, null, '', {}, [], ['a'], true, 1.5, Number.NaN]) {
    assert.equal(findIdentifier(id === undefined ? {} : { id }, mapping), null, JSON.stringify(id));
  }
});

test('an inherited property is not a claim', () => {
  assert.equal(findIdentifier({}, { ...mapping, identifier: 'constructor' }), null);
  assert.equal(findIdentifier({}, { ...mapping, identifier: 'toString' }), null);
});

test('an identifier longer than 256 characters is unusable', () => {
  assert.equal(findIdentifier({ id: 'x'.repeat(257) }, mapping), null);
  assert.equal(findIdentifier({ id: 'x'.repeat(256) }, mapping), 'x'.repeat(256));
});

test('the display name falls back to the identifier; non-string optional claims are left empty', () => {
  const profile = mapProfile({ id: 7, name: null, email: ['a@b'], avatar_url: 42 }, mapping, '7');
  assert.deepEqual(profile, { identifier: '7', username: '7', displayName: '7', email: '', emailVerified: false, avatarUrl: '', groups: [] });
});

test('the email is verified only beside email_verified true (or "true") and only for the `email` claim', () => {
  const verified = (claims: Record<string, unknown>, email = 'email') => mapProfile(claims, { ...mapping, email }, 'x').emailVerified;
  assert.equal(verified({ email: 'a@b.test', email_verified: true }), true);
  assert.equal(verified({ email: 'a@b.test', email_verified: 'true' }), true);
  assert.equal(verified({ email: 'a@b.test', email_verified: false }), false);
  assert.equal(verified({ email: 'a@b.test' }), false);
  assert.equal(verified({ email: '', email_verified: true }), false);
  assert.equal(verified({ upn: 'a@b.test', email_verified: true }, 'upn'), false, 'email_verified speaks of `email` only');
});

test('only http(s) avatar URLs are kept', () => {
  assert.equal(mapProfile({ avatar_url: 'javascript:alert(1)' }, mapping, 'a').avatarUrl, '');
  assert.equal(mapProfile({ avatar_url: 'data:image/png;base64,AAAA' }, mapping, 'a').avatarUrl, '');
  assert.equal(mapProfile({ avatar_url: 'https://cdn.example/a.png' }, mapping, 'a').avatarUrl, 'https://cdn.example/a.png');
});

test('unmapped optional fields stay empty and long display names are cut to 256 characters', () => {
  const profile = mapProfile({ name: 'n'.repeat(300), email: 'e@x' }, { identifier: 'sub', displayName: 'name', email: '', avatarUrl: '' }, 's');
  assert.equal(profile.displayName.length, 256);
  assert.equal(profile.email, '');
});
