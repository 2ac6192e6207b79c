// Rules by group, and the explicit `public` and `deny` entries (issue 15 item 2): evaluation order, both letter
// cases, compile-time refusals, and what check-access explains.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainAccess, isAllowed, isPublic } from '../../../src/forward-auth/access-policy.js';
import { AccessRulesError, compileAccessRules } from '../../../src/forward-auth/access-rules.js';
import { parseOriginalUrl, type OriginalTarget } from '../../../src/forward-auth/original-request.js';

const person = (userId: number, groups: string[], role = 'USER') => ({ userId, username: `u${userId}`, role, usernameLocked: false, groups: new Set(groups) });
const ops = person(2, ['acme', 'acme/ops']);
const contractor = person(3, ['acme/ops', 'contractors']);
const nobody = person(4, []);
const admin = person(5, ['contractors'], 'ADMIN');

function target(url: string): OriginalTarget {
  const t = parseOriginalUrl(url);
  assert.ok(t, url);
  return t;
}

const rules = compileAccessRules({
  default: 'none',
  rules: [
    { host: 'app.example.test', path: '/healthz', allow: 'public' },
    { host: 'app.example.test', path: '/hooks', allow: 'public' },
    { host: '*', path: '/ops/secrets', deny: { groups: ['contractors'] } },
    { host: 'app.example.test', path: '/ops', allow: { groups: ['acme/ops'] } },
    { host: 'app.example.test', path: '/closed', deny: 'any' },
    { host: 'app.example.test', path: '/', allow: { groups: ['acme'], roles: ['ADMIN'] } },
  ],
});

describe('access rules: groups, public and deny', () => {
  test('groups: any listed group lets a person through; none of them is a refusal', () => {
    assert.equal(isAllowed(rules, ops, target('https://app.example.test/ops/deploy')), true);
    assert.equal(isAllowed(rules, contractor, target('https://app.example.test/ops/deploy')), true);
    assert.equal(isAllowed(rules, nobody, target('https://app.example.test/ops/deploy')), false);
    assert.equal(isAllowed(rules, ops, target('https://app.example.test/wiki')), true);
    assert.equal(isAllowed(rules, contractor, target('https://app.example.test/wiki')), false, 'acme/ops is not acme');
  });

  test('group names compare exactly, letter case included', () => {
    const shouty = person(6, ['ACME', 'Acme/Ops']);
    assert.equal(isAllowed(rules, shouty, target('https://app.example.test/ops/x')), false);
    assert.equal(isAllowed(rules, shouty, target('https://app.example.test/wiki')), false);
  });

  test('a deny rule refuses whom it names even where a later rule would allow, and lets the others go on', () => {
    assert.equal(isAllowed(rules, contractor, target('https://app.example.test/ops/secrets')), false);
    assert.equal(isAllowed(rules, admin, target('https://app.example.test/ops/secrets')), false, 'a denied group outweighs a role');
    assert.equal(isAllowed(rules, ops, target('https://app.example.test/ops/secrets/db')), true, 'not named: the next rule decides');
    const acmeContractor = person(7, ['acme', 'contractors']);
    assert.equal(isAllowed(rules, acmeContractor, target('https://app.example.test/wiki')), true);
    assert.equal(isAllowed(rules, acmeContractor, target('https://app.example.test/OPS/Secrets')), false, 'lower-cased, the deny rule matches');
  });

  test('deny "any" refuses every signed-in person', () => {
    assert.equal(isAllowed(rules, admin, target('https://app.example.test/closed')), false);
    assert.equal(isAllowed(rules, ops, target('https://app.example.test/closed/x')), false);
  });

  test('public: the target needs no credential, in both letter cases; other paths are not public', () => {
    assert.equal(isPublic(rules, target('https://app.example.test/healthz')), true);
    assert.equal(isPublic(rules, target('https://app.example.test/hooks/github')), true);
    assert.equal(isPublic(rules, target('https://app.example.test/wiki')), false);
    assert.equal(isPublic(rules, target('https://other.example.test/healthz')), false);
    assert.equal(isAllowed(rules, nobody, target('https://app.example.test/healthz')), true);
    const mixed = compileAccessRules({ rules: [{ host: '*', path: '/hooks', allow: 'none' }, { host: '*', path: '/Hooks', allow: 'public' }] });
    assert.equal(isPublic(mixed, target('https://app.example.test/Hooks')), false, 'lower-cased, /hooks is not public: a credential is needed');
    assert.equal(isPublic(compileAccessRules({ rules: [] }), target('https://app.example.test/')), false);
  });

  test('a rule needs allow or deny, not both; deny is "any" or a list; group names are checked', () => {
    const problems = (rule: unknown): readonly string[] => {
      try {
        compileAccessRules({ rules: [rule] });
      } catch (err) {
        assert.ok(err instanceof AccessRulesError);
        return err.problems;
      }
      return [];
    };
    assert.match(problems({ host: '*' }).join('\n'), /rules\.0\.allow: required: allow/);
    assert.match(problems({ host: '*', allow: 'any', deny: 'any' }).join('\n'), /rules\.0\.deny: a rule has allow or deny, not both/);
    assert.match(problems({ host: '*', deny: 'public' }).join('\n'), /rules\.0\.deny/);
    assert.match(problems({ host: '*', deny: 'none' }).join('\n'), /rules\.0\.deny/);
    assert.match(problems({ host: '*', allow: { groups: ['a,b'] } }).join('\n'), /rules\.0\.allow\.groups\.0: is not a group name/);
    assert.match(problems({ host: '*', allow: { groups: [] } }).join('\n'), /name at least one of roles, users, userPattern, groups/);
    assert.deepEqual(problems({ host: '*', deny: { groups: ['contractors'] } }), []);
  });

  test('check-access explains a group allow and a deny', () => {
    const allowed = explainAccess(rules, ops, target('https://app.example.test/ops/x'));
    assert.equal(allowed.allowed, true);
    assert.equal(allowed.steps[0]!.because, 'allows group acme/ops');
    const denied = explainAccess(rules, contractor, target('https://app.example.test/ops/secrets'));
    assert.equal(denied.allowed, false);
    assert.equal(denied.steps[0]!.because, 'denies group contractors');
    assert.equal(denied.steps[0]!.rule?.index, 3);
  });
});
