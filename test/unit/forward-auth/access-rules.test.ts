import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isAllowed, isAllowedWithoutTarget } from '../../../src/forward-auth/access-policy.js';
import { AccessRulesError, compileAccessRules, loadAccessRules, NO_RULES } from '../../../src/forward-auth/access-rules.js';
import { parseOriginalUrl, type OriginalTarget } from '../../../src/forward-auth/original-request.js';

const admin = { userId: 1, username: 'root-admin', role: 'ADMIN', usernameLocked: true };
const alice = { userId: 2, username: 'alice', role: 'USER', usernameLocked: false };
const opsBob = { userId: 3, username: 'ops-bob', role: 'USER', usernameLocked: true };
const eve = { userId: 4, username: 'eve', role: 'USER', usernameLocked: false };

function target(url: string): OriginalTarget {
  const t = parseOriginalUrl(url);
  assert.ok(t, `test URL ${url} must parse`);
  return t;
}

const rules = compileAccessRules({
  rules: [
    { host: 'app.example.test', path: '/admin', allow: { roles: ['ADMIN'] } },
    { host: 'app.example.test', path: '/ops/', allow: { users: ['users/2'], userPattern: 'ops-[a-z]+' } },
    { host: 'app.example.test', path: '/public', allow: 'any' },
    { host: 'app.example.test:8443', path: '/', allow: 'none' },
    { host: '.internal.test', allow: { roles: ['ADMIN'] } },
    { host: '*', path: '/Private', allow: { users: [2] } },
  ],
});

describe('access rules: matching', () => {
  test('the first rule whose host and path prefix match decides', () => {
    assert.equal(isAllowed(rules, admin, target('https://app.example.test/admin')), true);
    assert.equal(isAllowed(rules, alice, target('https://app.example.test/admin')), false);
    assert.equal(isAllowed(rules, alice, target('https://app.example.test/admin/users/1')), false);
    assert.equal(isAllowed(rules, alice, target('https://app.example.test/public/x')), true);
  });

  test('a prefix covers whole segments only', () => {
    assert.equal(isAllowed(rules, alice, target('https://app.example.test/administrator')), true);
    assert.equal(isAllowed(rules, alice, target('https://app.example.test/admin-panel')), true);
  });

  test('no matching rule means any signed-in user', () => {
    assert.equal(isAllowed(rules, eve, target('https://other.example.test/admin')), true);
    assert.equal(isAllowed(NO_RULES, eve, target('https://app.example.test/anything')), true);
  });

  test('users are matched by id and user patterns must match the whole (locked) username (RE2)', () => {
    assert.equal(isAllowed(rules, alice, target('https://app.example.test/ops/deploy')), true);
    assert.equal(isAllowed(rules, opsBob, target('https://app.example.test/ops')), true);
    assert.equal(isAllowed(rules, { ...opsBob, username: 'xops-bob' }, target('https://app.example.test/ops')), false);
    assert.equal(isAllowed(rules, { ...opsBob, username: 'ops-bob2' }, target('https://app.example.test/ops')), false);
    assert.equal(isAllowed(rules, { ...eve, username: 'alice' }, target('https://app.example.test/ops')), false, 'a name is not an id');
    assert.equal(isAllowed(rules, admin, target('https://app.example.test/ops')), false);
  });

  test('hosts compare case-insensitively, without port unless the rule names one', () => {
    assert.equal(isAllowed(rules, alice, target('https://APP.Example.Test:9443/admin')), false);
    assert.equal(isAllowed(rules, admin, target('https://app.example.test:8443/admin')), true, 'first rule matches any port');
    assert.equal(isAllowed(rules, alice, target('https://app.example.test:8443/home')), false);
    assert.equal(isAllowed(rules, alice, target('https://app.example.test/home')), true);
  });

  test('a .domain rule covers the domain and its subdomains only', () => {
    assert.equal(isAllowed(rules, alice, target('https://internal.test/')), false);
    assert.equal(isAllowed(rules, alice, target('https://wiki.internal.test/')), false);
    assert.equal(isAllowed(rules, admin, target('https://wiki.internal.test/')), true);
    assert.equal(isAllowed(rules, alice, target('https://evilinternal.test/')), true);
  });

  test('path tricks reach the same rule as the canonical path', () => {
    for (const path of ['/admin', '/admin/', '/./admin', '/x/../admin', '/%61dmin', '//admin', '/ADMIN', '/Admin/x', '/public/../admin']) {
      assert.equal(isAllowed(rules, alice, target(`https://app.example.test${path}`)), false, path);
    }
  });

  test('a request passes only if it passes both as written and lower-cased', () => {
    // As written, /private matches no rule (any user); lower-cased, rule "/Private" applies: only alice.
    assert.equal(isAllowed(rules, eve, target('https://x.test/private')), false);
    assert.equal(isAllowed(rules, eve, target('https://x.test/PRIVATE/doc')), false);
    assert.equal(isAllowed(rules, alice, target('https://x.test/private')), true);
    // /PUBLIC: as written no rule (any), lower-cased the "any" rule: allowed for anyone signed in.
    assert.equal(isAllowed(rules, eve, target('https://app.example.test/PUBLIC')), true);
  });

  test('default "none" denies whatever no rule allows, and without a target only a rule-free file allows', () => {
    const closed = compileAccessRules({ default: 'none', rules: [{ host: '*', path: '/open', allow: 'any' }] });
    assert.equal(isAllowed(closed, admin, target('https://a.test/closed')), false);
    assert.equal(isAllowed(closed, eve, target('https://a.test/open/x')), true);
    assert.equal(isAllowedWithoutTarget(closed), false);
    assert.equal(isAllowedWithoutTarget(rules), false);
    assert.equal(isAllowedWithoutTarget(NO_RULES), true);
  });
});

describe('access rules: loading', () => {
  test('reports every problem of a bad file at once', () => {
    const bad = {
      rules: [
        { host: 'app.example.test', path: '/admin;x', allow: { roles: ['ADMIN'] } },
        { host: 'bad host!', allow: 'any' },
        { host: 'app.example.test', allow: { roles: ['ROOT'] } },
        { host: 'app.example.test', allow: {} },
        { host: 'app.example.test', allow: 'any', extra: true },
      ],
    };
    const err = (() => {
      try {
        compileAccessRules(bad, 'rules.json');
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(err instanceof AccessRulesError);
    assert.ok(err.problems.length >= 5, err.message);
    assert.match(err.message, /rules\.0\.path/);
    assert.match(err.message, /rules\.1\.host/);
    assert.match(err.message, /rules\.2\.allow/);
    assert.match(err.message, /rules\.4/);
  });

  test('reports bad paths and patterns that pass the schema, all together', () => {
    assert.throws(
      () =>
        compileAccessRules({
          rules: [
            { host: '*', path: '/a/../../b', allow: 'any' },
            { host: '*', allow: { userPattern: '(' } },
          ],
        }),
      (err: unknown) => err instanceof AccessRulesError && err.problems.length === 2 && /userPattern/.test(err.message),
    );
  });

  test('reads a JSON file, and names an unreadable or unparsable one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-rules-'));
    try {
      const good = join(dir, 'rules.json');
      writeFileSync(good, JSON.stringify({ rules: [{ host: 'a.test', path: '/x', allow: 'none' }] }));
      assert.equal(loadAccessRules(good).rules.length, 1);
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{ rules: [');
      assert.throws(() => loadAccessRules(broken), /broken\.json.*\n.*not valid JSON/);
      assert.throws(() => loadAccessRules(join(dir, 'missing.json')), /cannot read: ENOENT/);
      assert.equal(loadAccessRules(null), NO_RULES);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the shipped example file is valid', () => {
    const example = new URL('../../../config/access-rules.example.json', import.meta.url);
    const compiled = compileAccessRules(JSON.parse(readFileSync(example, 'utf8')));
    assert.ok(compiled.rules.length > 0);
  });
});
