// Security catalogue, group F: the identifier filter and auto-registration (cases 54–63), through real sign-ins at
// our tamperable OpenID issuer (any claim value), the GitHub-shaped fake and the real oidc-provider. The filter is
// Memos' (RE2 via re2js, unanchored, case-sensitive); accounts are linked by (provider, mapped identifier) only.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { RE2JS } from 're2js';
import { isIdentifierAllowed } from '../../src/sso/identifier-filter.js';
import { STORAGE_MODES } from '../support/gateway.js';
import { createUser, signIn } from '../support/users.js';
import {
  authorizeAtGithub,
  authorizeAtOidc,
  createIdp,
  githubIdpBody,
  oidcIdpBody,
  setGeneral,
  startProviders,
  type Providers,
} from '../support/sso.js';
import { countCalls, startCapturingGateway, type CapturingGateway } from '../support/capturing-gateway.js';
import { fakeIdpBody, startFakeOidcIssuer, type Claims, type FakeOidcIssuer } from '../support/tamperable-oidc-issuer.js';
import {
  assertRefusedWithoutTrace,
  countAccountRows,
  fakeAuthorization,
  finishFlow,
  signedInUserId,
  signInAtFake,
  startFlow,
  startSsoWorld,
  type SsoWorld,
} from '../support/sso-world.js';

const EMAIL_MAPPING = { identifier: 'email', displayName: 'name', email: 'email', avatarUrl: '' };

let providers: Providers;
let fake: FakeOidcIssuer;
before(async () => {
  [providers, fake] = await Promise.all([startProviders(), startFakeOidcIssuer()]);
});
after(async () => {
  await Promise.all([providers.stop(), fake.stop()]);
});

for (const mode of STORAGE_MODES) {
  describe(`catalogue F: identifier filter and auto-registration [${mode}]`, () => {
    let w: SsoWorld;
    let gw: CapturingGateway;
    let serial = 0;
    beforeEach(async () => {
      fake.reset();
      w = await startSsoWorld(mode, providers, fake);
      gw = w.gw;
    });
    afterEach(() => gw.close());

    /** A provider on the tamperable issuer whose identifier is the email claim, with this filter. */
    const emailIdp = (identifierFilter: string, uid: string) =>
      createIdp(gw, w.admin, fakeIdpBody(fake, { identifierFilter, title: uid, oauth2: { fieldMapping: EMAIL_MAPPING } }), uid);

    /** Signs in at the tamperable issuer as an account with these claims (a fresh sub unless given). */
    function signInAs(uid: string, claims: Claims) {
      fake.account = { sub: `sub-${++serial}`, ...claims };
      return signInAtFake(gw, uid);
    }

    async function setFilter(uid: string, identifierFilter: string) {
      return gw.http.patch(`/api/v1/identity-providers/${uid}?updateMask=identifier_filter`).set(w.admin.auth).send({ identifierFilter });
    }

    test('F54 an anchored filter denies look-alike identifiers that an unanchored (Memos) filter admits', async () => {
      const domain = await emailIdp('^[^@]+@corp\\.com$', 'domain');
      const exact = await emailIdp('^alice@example\\.com$', 'exact');
      const before = await countAccountRows(gw);
      for (const [uid, email] of [
        [domain, 'eve@corp.com.evil.io'], [domain, 'eve@corp.community'], [domain, 'corp.com@evil.io'], [domain, 'eve@corp.com@evil.io'],
        [exact, 'aliceXexample.com'], [exact, 'xalice@example.com'], [exact, 'alice@example.com.evil.io'],
      ] as const) {
        const res = await signInAs(uid, { email });
        await assertRefusedWithoutTrace(gw, res, 403, before, email, { provider: uid, reason: 'IDENTIFIER_NOT_ALLOWED' });
        assert.deepEqual(res.body, { code: 7, message: `identifier ${email} is not allowed`, details: [] });
      }
      assert.equal((await signInAs(domain, { email: 'eve@corp.com' })).status, 302, 'the real domain signs in');
      assert.equal((await signInAs(exact, { email: 'alice@example.com' })).status, 302);

      // Memos semantics, kept on purpose and saved without a warning: an unanchored pattern is a substring search.
      const loose = await emailIdp('@corp\\.com', 'loose');
      assert.equal((await signInAs(loose, { email: 'eve@corp.com.evil.io' })).status, 302, 'documented: write ^…$ to anchor');
    });

    test('F55 filters are case-sensitive as in Memos: Bob@CORP.COM fails a lower-case pattern, (?i) admits it, and mixed case never sidesteps the anchor', async () => {
      const strict = await emailIdp('^[^@]+@corp\\.com$', 'strict');
      const folded = await emailIdp('(?i)^[^@]+@corp\\.com$', 'folded');
      const before = await countAccountRows(gw);
      await assertRefusedWithoutTrace(gw, await signInAs(strict, { email: 'Bob@CORP.COM' }), 403, before, 'case-sensitive', { provider: strict, reason: 'IDENTIFIER_NOT_ALLOWED' });
      for (const email of ['Bob@CORP.COM.evil.io', 'BOB@Corp.Com.EVIL.IO', 'bob@CORP.community']) {
        await assertRefusedWithoutTrace(gw, await signInAs(folded, { email }), 403, before, email, { provider: folded, reason: 'IDENTIFIER_NOT_ALLOWED' });
      }
      const ok = await signInAs(folded, { email: 'Bob@CORP.COM' });
      assert.equal(ok.status, 302);
      const link = await gw.deps.store.identities.find(folded, 'Bob@CORP.COM');
      assert.equal(link?.userId, await signedInUserId(gw, ok), 'linked under the identifier exactly as sent');
    });

    test('F56 catastrophic-backtracking filters are accepted because RE2 runs in linear time: "a"×40+"!" is answered without hanging', async () => {
      const identifier = `${'a'.repeat(40)}!`;
      for (const [pattern, allowed] of [['^(a+)+$', false], ['^(\\w+\\s?)*$', false], ['(.*a){20}', true]] as const) {
        const saved = await setFilter(w.fakeUid, pattern);
        assert.equal(saved.status, 200, `accepted at save: ${pattern}`);
        const res = await signInAs(w.fakeUid, { sub: identifier });
        assert.equal(res.status, allowed ? 302 : 403, pattern);
        // A backtracking engine needs about 2^40 steps here (hours); RE2 a few hundred. Only "no hang" is asserted,
        // with a bound far above any machine's noise; how fast RE2 is belongs in a benchmark.
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < 20; i++) assert.equal(isIdentifierAllowed(pattern, identifier), allowed);
        const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
        assert.ok(totalMs < 5000, `${pattern}: 20 checks took ${totalMs} ms`);
      }
    });

    test('F57 a broken or oversized filter is refused at save; a stored filter that no longer compiles denies everyone; a filter is compiled once', async () => {
      await setFilter(w.fakeUid, '^[a-z-]+$');
      for (const bad of ['(', '[a-', '(?=lookahead)', 'x'.repeat(300)]) {
        const res = await setFilter(w.fakeUid, bad);
        assert.equal(res.status, 400, bad.slice(0, 20));
        assert.equal(res.body.details[0].fieldViolations[0].field, 'identifierFilter');
      }
      const huge = await setFilter(w.fakeUid, 'a'.repeat(100 * 1024));
      assert.equal(huge.status, 413, 'a 100 KB pattern does not even reach the parser');
      assert.equal((await gw.deps.store.idps.findByUid(w.fakeUid))?.identifierFilter, '^[a-z-]+$', 'the stored filter is unchanged');

      const pattern = `^cached-${Date.now()}-[a-z]+$`;
      const compiles = countCalls(RE2JS, 'compile');
      try {
        assert.equal((await setFilter(w.fakeUid, pattern)).status, 200);
        for (let i = 0; i < 3; i++) assert.equal((await signInAs(w.fakeUid, { sub: `not-cached-${i}` })).status, 403);
        assert.equal(compiles.count(), 1, 'compiled at save, reused by every sign-in');
      } finally {
        compiles.restore();
      }

      await gw.deps.store.idps.update(w.fakeUid, { identifierFilter: '(' }, gw.clock.now());
      const before = await countAccountRows(gw);
      const res = await signInAs(w.fakeUid, {});
      await assertRefusedWithoutTrace(gw, res, 403, before, 'broken stored filter', { provider: w.fakeUid, reason: 'IDENTIFIER_NOT_ALLOWED' });
      assert.match(res.body.message, /is not allowed/);
    });

    test('F58 the filter sees exactly the identifier that is stored and linked: fullwidth, trailing newline, zero-width and trailing-space variants neither pass nor link to the plain one', async () => {
      const filtered = await emailIdp('^eve@corp\\.com$', 'filtered');
      const before = await countAccountRows(gw);
      for (const email of ['ｅve@corp.com', 'eve@corp.com\n', 'eve\u200b@corp.com', 'eve@corp.com\u200b', 'eve@corp.com ', ' eve@corp.com', 'EVE@corp.com']) {
        await assertRefusedWithoutTrace(gw, await signInAs(filtered, { email }), 403, before, JSON.stringify(email), {
          provider: filtered,
          // A trailing space makes the identifier unusable before the filter runs (MySQL's PAD SPACE, see below).
          reason: email.endsWith(' ') ? 'IDENTIFIER_MISSING' : 'IDENTIFIER_NOT_ALLOWED',
        });
      }

      // No filter: the variants are other accounts, never the victim's (MySQL's PAD SPACE would match "eve ").
      const victim = await signedInUserId(gw, await signInAs(w.fakeUid, { sub: 'eve' }));
      for (const sub of ['ｅve', 'Eve', 'eve\u200b', 'eve\n', ' eve']) {
        const other = await signedInUserId(gw, await signInAs(w.fakeUid, { sub }));
        assert.notEqual(other, victim, JSON.stringify(sub));
        assert.equal((await gw.deps.store.identities.find(w.fakeUid, sub))?.externUid, sub, 'stored exactly as sent');
      }
      const rows = await countAccountRows(gw);
      const padded = await signInAs(w.fakeUid, { sub: 'eve ' });
      await assertRefusedWithoutTrace(gw, padded, 403, rows, 'trailing space', { provider: w.fakeUid, reason: 'IDENTIFIER_MISSING' });
      assert.match(padded.body.message, /did not return a usable "sub" claim/);
      assert.equal(await gw.deps.store.identities.find(w.fakeUid, 'eve '), null, 'and the link lookup itself is exact');
      assert.equal((await signedInUserId(gw, await signInAs(w.fakeUid, { sub: 'eve' }))), victim, 'the victim still signs in');
    });

    test("F59 accounts are linked by the mapped identifier only: an email, login or preferred_username equal to an existing user's never signs into that user", async () => {
      const carol = await createUser(gw, { username: 'carol', email: 'carol@corp.example' }, w.admin);
      const asCarol = await signedInUserId(gw, await signInAs(w.fakeUid, { email: 'carol@corp.example', email_verified: false, preferred_username: 'carol', name: 'carol' }));
      assert.notEqual(asCarol, carol.id);
      assert.deepEqual(await gw.deps.store.identities.listForUser(carol.id), []);

      const victim = await signedInUserId(gw, await signInAs(w.fakeUid, { sub: 'victim-sub', email: 'victim@corp.example' }));
      const attacker = await signedInUserId(gw, await signInAs(w.fakeUid, { sub: 'attacker-sub', email: 'victim@corp.example', email_verified: false, preferred_username: 'victim-sub' }));
      assert.notEqual(attacker, victim, 'same (unverified) email, other sub: another account');

      // GitHub: linked by login; another account showing the victim's email is someone else.
      const flow = await startFlow(gw, w.githubUid);
      const octocat = await signedInUserId(gw, await finishFlow(gw, await authorizeAtGithub(providers.gh, flow.authorizeUrl, 'octocat'), flow.cookie));
      const hubot = providers.gh.users.get('hubot')!;
      hubot.email = 'octocat@github.example';
      try {
        const second = await startFlow(gw, w.githubUid);
        const other = await signedInUserId(gw, await finishFlow(gw, await authorizeAtGithub(providers.gh, second.authorizeUrl, 'hubot'), second.cookie));
        assert.notEqual(other, octocat);
      } finally {
        hubot.email = null;
      }
    });

    test('F60 a numeric identifier is linked as its decimal string; missing, null, boolean, fractional, object, array or empty identifiers are refused and never become users', async () => {
      const byId = await createIdp(gw, w.admin, githubIdpBody(providers.gh, { oauth2: { fieldMapping: { identifier: 'id', displayName: 'name', email: 'email', avatarUrl: '' } } }), 'github-id');
      const flow = await startFlow(gw, byId);
      const octocat = await signedInUserId(gw, await finishFlow(gw, await authorizeAtGithub(providers.gh, flow.authorizeUrl, 'octocat'), flow.cookie));
      assert.equal((await gw.deps.store.identities.find(byId, '583231'))?.userId, octocat);

      const byUid = await createIdp(gw, w.admin, fakeIdpBody(fake, { title: 'uid', oauth2: { fieldMapping: { identifier: 'uid', displayName: 'name', email: '', avatarUrl: '' } } }), 'by-uid');
      const before = await countAccountRows(gw);
      for (const value of [undefined, null, true, 1.5, {}, { toString: 'x' }, [], ['x'], '', 2 ** 53]) {
        fake.userinfo = (account) => (value === undefined ? { ...account } : { ...account, uid: value });
        const res = await signInAs(byUid, {});
        await assertRefusedWithoutTrace(gw, res, 403, before, JSON.stringify(value) ?? 'missing', { provider: byUid, reason: 'IDENTIFIER_MISSING' });
        assert.equal(res.body.message, 'identity provider "uid" did not return a usable "uid" claim');
      }
      for (const name of ['undefined', 'null', '[object Object]', 'true', '1.5', 'x']) {
        assert.equal(await gw.deps.store.users.findByUsername(name), null, name);
      }
      fake.userinfo = (account) => ({ ...account, uid: 12345 });
      const numeric = await signedInUserId(gw, await signInAs(byUid, {}));
      assert.equal((await gw.deps.store.identities.find(byUid, '12345'))?.userId, numeric);
      assert.notEqual((await gw.deps.store.users.findById(numeric))?.username, '12345', 'an all-digit name would read as a user id');
    });

    test('F61 identities are namespaced by provider, and an identifier equal to a local username (admin, carol) gets a new account with another name', async () => {
      const local = await startCapturingGateway(mode, { env: { GATEWAY_INSTANCE_URL: 'http://127.0.0.1:8081' } });
      try {
        const first = await createUser(local, { username: 'admin' });
        assert.equal(first.role, 'ADMIN');
        const admin = await signIn(local, 'admin', first.password);
        const carol = await createUser(local, { username: 'carol' }, admin);
        const fakeUid = await createIdp(local, admin, fakeIdpBody(fake), 'fake');
        const oidcUid = await createIdp(local, admin, oidcIdpBody(providers.op), 'oidc');
        for (const [sub, existing] of [['admin', first.id], ['carol', carol.id], ['Admin', first.id]] as const) {
          fake.account = { sub, name: sub };
          const res = await signInAtFake(local, fakeUid);
          const id = await signedInUserId(local, res);
          assert.notEqual(id, existing, sub);
          const user = await local.deps.store.users.findById(id);
          assert.notEqual(user?.username.toLowerCase(), sub.toLowerCase(), `${sub}: a generated name`);
          assert.equal(user?.role, 'USER');
        }
        // The same `sub` at two providers: two people.
        fake.account = { sub: 'alice-sub', name: 'Not Alice' };
        const atFake = await signedInUserId(local, await signInAtFake(local, fakeUid));
        const opFlow = await startFlow(local, oidcUid);
        const atOp = await signedInUserId(local, await finishFlow(local, await authorizeAtOidc(local, opFlow.authorizeUrl, 'alice'), opFlow.cookie));
        assert.notEqual(atFake, atOp);
      } finally {
        await local.close();
      }
    });

    test('F62 with registration closed an unknown identity gets 403 and leaves no row, a linked one still signs in, and password sign-up obeys the same switch', async () => {
      const linked = await signedInUserId(gw, await signInAs(w.fakeUid, { sub: 'known' }));
      await setGeneral(gw, w.admin, { disallowUserRegistration: true });
      const before = await countAccountRows(gw);
      const fresh = await signInAs(w.fakeUid, { sub: 'stranger' });
      await assertRefusedWithoutTrace(gw, fresh, 403, before, 'fake issuer', { provider: w.fakeUid, reason: 'REGISTRATION_CLOSED' });
      assert.equal(fresh.body.message, 'user registration is not allowed');
      const gh = await startFlow(gw, w.githubUid);
      await assertRefusedWithoutTrace(gw, await finishFlow(gw, await authorizeAtGithub(providers.gh, gh.authorizeUrl, 'hubot'), gh.cookie), 403, before, 'GitHub', { provider: w.githubUid, reason: 'REGISTRATION_CLOSED', secrets: [gh.state] });
      const op = await startFlow(gw, w.oidcUid);
      await assertRefusedWithoutTrace(gw, await finishFlow(gw, await authorizeAtOidc(gw, op.authorizeUrl, 'bob'), op.cookie), 403, before, 'OIDC', { provider: w.oidcUid, reason: 'REGISTRATION_CLOSED', secrets: [op.state] });
      const signUp = await gw.http.post('/api/v1/users').send({ username: 'walk-in', password: 'correct horse battery staple' });
      assert.equal(signUp.status, 403);
      assert.deepEqual(await countAccountRows(gw), before);
      fake.account = { sub: 'known' };
      assert.equal(await signedInUserId(gw, await signInAtFake(gw, w.fakeUid)), linked, 'an existing link still works');
    });

    test('F63 twenty parallel first logins of one identity make one user and one link; role, state and id claims are ignored', async () => {
      fake.userinfo = (account) => ({ ...account, role: 'ADMIN', state: 'NORMAL', id: 1, row_status: 'NORMAL' });
      fake.account = { sub: 'racer', name: 'Racer' };
      const flows = [];
      for (let i = 0; i < 20; i++) flows.push(await fakeAuthorization(gw, w.fakeUid));
      const before = await countAccountRows(gw);
      const results = await Promise.all(flows.map(({ flow, callback }) => finishFlow(gw, callback, flow.cookie)));
      assert.deepEqual(results.map((r) => r.status), Array(20).fill(302));
      const after = await countAccountRows(gw);
      assert.equal(after.user, before.user + 1);
      assert.equal(after.user_identity, before.user_identity + 1);
      const link = await gw.deps.store.identities.find(w.fakeUid, 'racer');
      for (const res of results.slice(0, 4)) assert.equal(await signedInUserId(gw, res), link?.userId);
      const user = await gw.deps.store.users.findById(link!.userId);
      assert.equal(user?.role, 'USER');
      assert.notEqual(user?.id, 1);
    });
  });

  describe(`catalogue F: first-admin bootstrap [${mode}]`, () => {
    let gw: CapturingGateway;
    beforeEach(async () => {
      gw = await startCapturingGateway(mode);
    });
    afterEach(() => gw.close());

    test('F63 twenty parallel sign-ups on an empty database make exactly one admin; an empty or failed read never reopens the bootstrap; role, state and id in the body are ignored', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        gw.http.post('/api/v1/users').send({ username: `racer-${i}`, password: 'correct horse battery staple', role: 'ADMIN', state: 'NORMAL', id: 1 })));
      assert.deepEqual(results.map((r) => r.status), Array(20).fill(200));
      assert.equal(results.filter((r) => r.body.role === 'ADMIN').length, 1);
      assert.equal(await gw.deps.store.users.countActiveAdmins(), 1);

      const users = gw.deps.store.users as { count(): Promise<number> };
      const realCount = users.count;
      try {
        users.count = async () => 0; // a failover to an empty replica, say
        const lucky = await gw.http.post('/api/v1/users').send({ username: 'after-failover', password: 'correct horse battery staple' });
        assert.equal(lucky.status, 200);
        assert.equal(lucky.body.role, 'USER', 'the durable first-admin claim still stands');
        users.count = async () => {
          throw new Error('connection lost');
        };
        const failed = await gw.http.post('/api/v1/users').send({ username: 'during-outage', password: 'correct horse battery staple' });
        assert.equal(failed.status, 500, 'a failed read is an error, not an empty instance');
      } finally {
        users.count = realCount;
      }
      assert.equal(await gw.deps.store.users.countActiveAdmins(), 1);
      assert.equal(await gw.deps.store.users.findByUsername('during-outage'), null);
    });
  });
}
