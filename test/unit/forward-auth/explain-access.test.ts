// explainAccess (what `npm run admin -- check-access` prints) decides exactly as isAllowed (what /auth/verify
// enforces), and names the rule that decided, including the lower-cased second judgement.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeRule, explainAccess, isAllowed } from '../../../src/forward-auth/access-policy.js';
import { compileAccessRules, NO_RULES } from '../../../src/forward-auth/access-rules.js';
import { parseOriginalUrl, type OriginalTarget } from '../../../src/forward-auth/original-request.js';

function target(url: string): OriginalTarget {
  const t = parseOriginalUrl(url);
  assert.ok(t, url);
  return t;
}

const rules = compileAccessRules({
  default: 'none',
  rules: [
    { comment: 'admin area', host: 'app.example.test', path: '/admin', allow: { roles: ['ADMIN'] } },
    { host: 'app.example.test', path: '/reports', allow: { roles: ['ADMIN'] } },
    { host: 'app.example.test', path: '/Reports', allow: { users: ['alice'] } },
    { host: 'app.example.test', path: '/ops', allow: { userPattern: 'ops-[a-z]+' } },
    { host: '.example.test', path: '/', allow: 'any' },
  ],
});

const subjects = [
  { username: 'root', role: 'ADMIN' },
  { username: 'alice', role: 'USER' },
  { username: 'ops-bob', role: 'USER' },
  { username: 'eve', role: 'USER' },
];
const urls = [
  'https://app.example.test/admin/x', 'https://app.example.test/Reports/q1', 'https://app.example.test/reports',
  'https://app.example.test/ops/deploy', 'https://wiki.example.test/', 'https://elsewhere.test/', 'https://app.example.test/ADMIN',
];

describe('explainAccess', () => {
  test('decides as isAllowed for every subject and URL of the table', () => {
    for (const s of subjects) {
      for (const u of urls) assert.equal(explainAccess(rules, s, target(u)).allowed, isAllowed(rules, s, target(u)), `${s.username} ${u}`);
      assert.equal(explainAccess(NO_RULES, s, target(urls[0]!)).allowed, true);
    }
  });

  test('names the deciding rule with its comment, host and path, and the reason', () => {
    const denied = explainAccess(rules, { username: 'eve', role: 'USER' }, target('https://app.example.test/admin/x'));
    assert.equal(denied.steps.length, 1);
    assert.equal(describeRule(denied.steps[0]!.rule, rules), 'rule 1 "admin area" (host app.example.test, path /admin)');
    assert.match(denied.steps[0]!.because, /allows only roles ADMIN; eve \(USER\) is none of them/);
    const pattern = explainAccess(rules, { username: 'ops-bob', role: 'USER' }, target('https://app.example.test/ops'));
    assert.match(pattern.steps[0]!.because, /userPattern ops-\[a-z\]\+ matches ops-bob/);
    const fallback = explainAccess(rules, { username: 'eve', role: 'USER' }, target('https://elsewhere.test/'));
    assert.equal(describeRule(fallback.steps[0]!.rule, rules), 'the default ("none"), no rule matched');
  });

  test('a path that another rule decides when lower-cased shows both judgements', () => {
    const alice = explainAccess(rules, { username: 'alice', role: 'USER' }, target('https://app.example.test/Reports/q1'));
    assert.equal(alice.allowed, false);
    assert.deepEqual(alice.steps.map((s) => [s.rule?.index, s.folded, s.permitted]), [[3, false, true], [2, true, false]]);
  });
});
