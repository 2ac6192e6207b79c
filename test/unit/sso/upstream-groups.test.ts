// Groups from a provider's claims (fieldMapping.groups: a claim path) and GitHub's orgs and teams as names.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { githubGroupNames } from '../../../src/sso/github-groups.js';
import { findUpstreamGroups, isAnyGroupAllowed } from '../../../src/sso/upstream-groups.js';

describe('upstream groups', () => {
  test('a top-level claim, a dotted path, a dotted claim name, a single string', () => {
    assert.deepEqual(findUpstreamGroups({ groups: ['eng', 'all', 'eng'] }, 'groups'), ['all', 'eng']);
    assert.deepEqual(findUpstreamGroups({ realm_access: { roles: ['admin', 'user'] } }, 'realm_access.roles'), ['admin', 'user']);
    assert.deepEqual(findUpstreamGroups({ 'https://example.com/groups': ['x'] }, 'https://example.com/groups'), ['x']);
    assert.deepEqual(findUpstreamGroups({ roles: 'reader' }, 'roles'), ['reader']);
    assert.deepEqual(findUpstreamGroups({ groups: [42, 'a'] }, 'groups'), ['42', 'a']);
  });

  test('no mapping, a missing claim or a wrong shape give no groups; bad names are dropped', () => {
    assert.deepEqual(findUpstreamGroups({ groups: ['eng'] }, ''), []);
    assert.deepEqual(findUpstreamGroups({}, 'groups'), []);
    assert.deepEqual(findUpstreamGroups({ groups: { eng: true } }, 'groups'), []);
    assert.deepEqual(findUpstreamGroups({ a: 'x' }, 'a.b'), []);
    assert.deepEqual(findUpstreamGroups({ groups: ['ok', 'a,b', 'bäd', '', ' spaced ', 'x'.repeat(257), null, { n: 1 }] }, 'groups'), ['ok', 'spaced']);
    assert.equal(findUpstreamGroups({ groups: Array.from({ length: 300 }, (_, i) => `g${String(i).padStart(3, '0')}`) }, 'groups').length, 256);
  });

  test('groupFilter: empty allows all; else some group must match (RE2, unanchored)', () => {
    assert.equal(isAnyGroupAllowed('', []), true);
    assert.equal(isAnyGroupAllowed('^acme/', ['acme', 'acme/ops']), true);
    assert.equal(isAnyGroupAllowed('^acme/', ['acme']), false);
    assert.equal(isAnyGroupAllowed('staff', []), false);
  });

  test('GitHub: `org` per organisation and `org/team` per team', () => {
    assert.deepEqual(
      githubGroupNames([{ login: 'acme' }, { login: '' }, null], [{ slug: 'ops', organization: { login: 'acme' } }, { slug: 'x' }]),
      ['acme', 'acme/ops'],
    );
  });
});
