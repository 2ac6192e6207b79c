// identifierFilter semantics: Memos' (RE2, unanchored, case-sensitive), checked at save, fail closed at login.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findFilterProblem, isIdentifierAllowed } from '../../../src/sso/identifier-filter.js';

test('an empty filter allows everyone', () => {
  assert.equal(isIdentifierAllowed('', 'anyone'), true);
});

test('the match is unanchored: a domain filter without $ also admits look-alike domains (as in Memos)', () => {
  assert.equal(isIdentifierAllowed('@corp\\.com', 'eve@corp.com.evil.io'), true);
  assert.equal(isIdentifierAllowed('@corp\\.com$', 'eve@corp.com.evil.io'), false);
  assert.equal(isIdentifierAllowed('^(alice|bob)$', 'alice'), true);
  assert.equal(isIdentifierAllowed('^(alice|bob)$', 'xalice'), false);
});

test('the match is case-sensitive unless the pattern says (?i)', () => {
  assert.equal(isIdentifierAllowed('^[^@]+@corp\\.com$', 'Bob@CORP.COM'), false);
  assert.equal(isIdentifierAllowed('(?i)^[^@]+@corp\\.com$', 'Bob@CORP.COM'), true);
});

test('the exact identifier is tested: a trailing newline or a fullwidth letter does not pass an anchored filter', () => {
  assert.equal(isIdentifierAllowed('^eve@corp\\.com$', 'eve@corp.com\n'), false);
  assert.equal(isIdentifierAllowed('^eve@corp\\.com$', 'ｅve@corp.com'), false);
});

test('patterns that are not RE2 are refused at save with the reason', () => {
  assert.match(findFilterProblem('(') ?? '', /not a valid RE2 regular expression/);
  assert.match(findFilterProblem('(?=x)') ?? '', /not a valid RE2/);
  assert.match(findFilterProblem('(a)\\1') ?? '', /not a valid RE2/);
  assert.match(findFilterProblem('x'.repeat(257)) ?? '', /at most 256/);
  assert.equal(findFilterProblem('^[a-z0-9._%+-]+@example\\.com$'), null);
});

test('a catastrophic-backtracking pattern is harmless under RE2 and answers correctly', () => {
  assert.equal(findFilterProblem('^(a+)+$'), null);
  assert.equal(isIdentifierAllowed('^(a+)+$', `${'a'.repeat(5000)}!`), false);
  assert.equal(isIdentifierAllowed('^(a+)+$', 'a'.repeat(5000)), true);
});

test('a stored pattern that does not compile denies everyone', () => {
  assert.equal(isIdentifierAllowed('(', 'anyone'), false);
});
