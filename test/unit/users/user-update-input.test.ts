// PATCH /users/{user} input: updateMask (snake or camel case) or, without one, the body's own fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../../src/errors.js';
import { parseUserUpdate } from '../../../src/users/user-update-input.js';

const isBadRequest = (message: RegExp) => (e: unknown) => e instanceof AppError && e.code === 'INVALID_ARGUMENT' && message.test(e.message);

test('the mask picks fields from the body; fields outside it are ignored', () => {
  assert.deepEqual(
    parseUserUpdate({ displayName: 'A', email: 'a@example.com', role: 'ADMIN' }, { updateMask: 'display_name, email' }),
    { displayName: 'A', email: 'a@example.com' },
  );
  assert.deepEqual(parseUserUpdate({ avatar_url: 'https://x.example/a.png' }, { update_mask: 'avatarUrl' }), { avatarUrl: 'https://x.example/a.png' });
});

test('without a mask the body fields are the mask, skipping read-only ones', () => {
  assert.deepEqual(
    parseUserUpdate({ name: 'users/1', createTime: 'x', updateTime: 'y', description: 'd', state: 'ARCHIVED' }, {}),
    { description: 'd', state: 'ARCHIVED' },
  );
});

test('a masked string field missing from the body is cleared; a masked username or password is required', () => {
  assert.deepEqual(parseUserUpdate({}, { updateMask: 'description' }), { description: '' });
  assert.throws(() => parseUserUpdate({}, { updateMask: 'password' }), isBadRequest(/password is in the update mask/));
});

test('unknown paths, an empty change and wrong values are 400', () => {
  assert.throws(() => parseUserUpdate({}, { updateMask: 'password_hash' }), isBadRequest(/^invalid update path: password_hash$/));
  assert.throws(() => parseUserUpdate({ passwordHash: 'x' }, {}), isBadRequest(/invalid update path/));
  assert.throws(() => parseUserUpdate({}, {}), isBadRequest(/update mask is required/));
  assert.throws(() => parseUserUpdate({ role: 'ROOT' }, {}), isBadRequest(/role/));
  assert.throws(() => parseUserUpdate({ username: 'has space' }, {}), isBadRequest(/username/));
  assert.throws(() => parseUserUpdate({ avatarUrl: 'data:text/html;base64,PHNjcmlwdD4=' }, {}), isBadRequest(/avatarUrl/));
  assert.throws(() => parseUserUpdate([], {}), isBadRequest(/update mask is required/));
});
