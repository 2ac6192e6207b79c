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
    { host: 'app.example.test', path: '/Reports', allow: { users: ['users/2'] } },
    { host: 'app.example.test', path: '/ops', allow: { userPattern: 'ops-[a-z]+' } },
    { host: '.example.test', path: '/', allow: 'any' },
  ],
});

const root = { userId: 1, username: 'root', role: 'ADMIN', usernameLocked: true };
const alice = { userId: 2, username: 'alice', role: 'USER', usernameLocked: false };
const opsBob = { userId: 3, username: 'ops-bob', role: 'USER', usernameLocked: true };
const eve = { userId: 4, username: 'eve', role: 'USER', usernameLocked: false };
const opsEve = { userId: 5, username: 'ops-eve', role: 'USER', usernameLocked: false };
const subjects = [root, alice, opsBob, eve, opsEve];
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
    const denied = explainAccess(rules, eve, target('https://app.example.test/admin/x'));
    assert.equal(denied.steps.length, 1);
    assert.equal(describeRule(denied.steps[0]!.rule, rules), 'rule 1 "admin area" (host app.example.test, path /admin)');
    assert.match(denied.steps[0]!.because, /allows only roles ADMIN; eve \(USER\) is none of them/);
    const pattern = explainAccess(rules, opsBob, target('https://app.example.test/ops'));
    assert.match(pattern.steps[0]!.because, /userPattern ops-\[a-z\]\+ matches ops-bob/);
    const unlocked = explainAccess(rules, opsEve, target('https://app.example.test/ops'));
    assert.equal(unlocked.allowed, false);
    assert.match(unlocked.steps[0]!.because, /matches ops-eve, but that username is not locked by an admin/);
    const fallback = explainAccess(rules, eve, target('https://elsewhere.test/'));
    assert.equal(describeRule(fallback.steps[0]!.rule, rules), 'the default ("none"), no rule matched');
  });

  test('a path that another rule decides when lower-cased shows both judgements', () => {
    const explained = explainAccess(rules, alice, target('https://app.example.test/Reports/q1'));
    assert.equal(explained.allowed, false);
    assert.deepEqual(explained.steps.map((s) => [s.rule?.index, s.folded, s.permitted]), [[3, false, true], [2, true, false]]);
  });
});
