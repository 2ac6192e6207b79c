// Outside review (issue 9), names and addresses, on both storage modes: R2 nobody gains access by choosing a name
// (rules name users by id, userPattern matches only admin-assigned or locked names, self-rename needs the
// instance's permission and never works with a PAT, an SSO login is never a locked name); R4 usernames unique
// regardless of letter case (API, SSO sign-up, and the migration that finds existing collisions); R5
// X-Auth-Request-Email only for a verified address (admin-set, OIDC email_verified, GitHub's /user/emails), one
// account per verified address; R15 `me` and all-digit usernames reserved everywhere.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { AccessRulesError, compileAccessRules } from '../../src/forward-auth/access-rules.js';
import { createStorage, STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { dumpDatabase } from '../support/db-dump.js';
import { openStorageStore, seedAtMigration } from '../support/old-schema.js';
import { createPat } from '../support/pats.js';
import {
  authorizeAtGithub,
  authorizeAtOidc,
  cookieValue,
  createIdp,
  finishFlow,
  githubIdpBody,
  oidcIdpBody,
  setGeneral,
  startFlow,
  startProviders,
  TEST_ENV,
  type Providers,
} from '../support/sso.js';
import { createAdmin, createUser, signIn, uniqueUsername, type SignedIn } from '../support/users.js';
import { APP, bearer, ssoCookie, verify, writeRulesFile, type RulesFile } from '../support/verify.js';

let providers: Providers;
before(async () => {
  providers = await startProviders();
});
after(() => providers.stop());

const OPS_RULES = { rules: [{ host: 'app.example.test', path: '/ops', allow: { userPattern: 'ops-[a-z0-9-]+' } }] };

test('R2 a rules file naming users by username is a config error that says to use ids', () => {
  assert.throws(
    () => compileAccessRules({ rules: [{ host: '*', path: '/ops', allow: { users: ['alice', 'users/7', 12] } }] }, 'rules.json'),
    (err: unknown) =>
      err instanceof AccessRulesError &&
      err.problems.length === 1 &&
      /rules\.0\.allow\.users\.0: "alice" is a username: name users by their id \("users\/12" or 12/.test(err.problems[0]!),
  );
  const rules = compileAccessRules({ rules: [{ host: '*', path: '/ops', allow: { users: ['users/7', 12, '13'] } }] });
  const allow = rules.rules[0]!.allow;
  assert.ok(typeof allow === 'object');
  assert.deepEqual([...allow.userIds], [7, 12, 13]);
});

for (const mode of STORAGE_MODES) {
  describe(`issue 9 review: names and addresses [${mode}]`, () => {
    let gw: TestGateway;
    let rules: RulesFile;
    let admin: SignedIn;
    beforeEach(async () => {
      rules = writeRulesFile(OPS_RULES);
      gw = await startTestGateway(mode, { env: { ...TEST_ENV, GATEWAY_ACCESS_RULES_FILE: rules.path } });
      admin = await createAdmin(gw);
    });
    afterEach(async () => {
      await gw.close();
      rules.remove();
    });

    const patchUser = (who: { Authorization: string }, id: number | string, body: Record<string, unknown>) =>
      gw.http.patch(`/api/v1/users/${id}`).set(who).send(body);
    const ops = (headers: Record<string, string>) => verify(gw, headers, `${APP}/ops/deploy`);

    /** A whole GitHub sign-in as `login`; returns the callback answer and the user it signed in. */
    async function githubSignIn(uid: string, login: string) {
      const flow = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtGithub(providers.gh, flow.authorizeUrl, login), flow.cookie);
      assert.equal(res.status, 302, `GitHub sign-in as ${login}: ${JSON.stringify(res.body)}`);
      const sso = cookieValue(res.headers['set-cookie'], 'sso_session');
      assert.ok(sso, 'an sso_session cookie');
      return { sso, user: (await latestUser())! };
    }

    async function oidcSignIn(uid: string, login: string) {
      const flow = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtOidc(gw, flow.authorizeUrl, login), flow.cookie);
      assert.equal(res.status, 302, `OIDC sign-in as ${login}: ${JSON.stringify(res.body)}`);
      return { sso: cookieValue(res.headers['set-cookie'], 'sso_session')!, user: (await latestUser())! };
    }

    async function latestUser() {
      const list = await gw.http.get('/api/v1/users').set(admin.auth).query({ pageSize: 1000 }).expect(200);
      return list.body.users.at(-1) as { name: string; username: string; email: string; emailVerified: boolean; usernameLocked: boolean };
    }

    test('R2 a self-chosen name does not pass a userPattern rule; an admin-assigned or locked one does', async () => {
      const selfMade = await createUser(gw, { username: 'ops-mallory' });
      const mallory = await signIn(gw, selfMade.username, selfMade.password);
      assert.equal((await ops(bearer(mallory.accessToken))).status, 403, 'access token of a self-chosen ops-* name');
      assert.equal((await ops(ssoCookie(mallory.jar.get('sso_session')!))).status, 403, 'session cookie of a self-chosen ops-* name');
      assert.equal((await gw.http.get('/api/v1/users/ops-mallory').set(admin.auth)).body.usernameLocked, false);

      const assigned = await createUser(gw, { username: 'ops-alice' }, admin);
      const alice = await signIn(gw, assigned.username, assigned.password);
      assert.equal((await ops(bearer(alice.accessToken))).status, 200, 'admin-assigned name, access token');
      assert.equal((await ops(ssoCookie(alice.jar.get('sso_session')!))).status, 200, 'admin-assigned name, session cookie');

      // An admin vouches for mallory's name after all: from then on it passes.
      const locked = await patchUser(admin.auth, selfMade.id, { usernameLocked: true });
      assert.equal(locked.status, 200);
      assert.equal(locked.body.usernameLocked, true);
      gw.clock.advance(1000); // tokens of the change's second are refused (R10)
      const again = await signIn(gw, selfMade.username, selfMade.password);
      assert.equal((await ops(bearer(again.accessToken))).status, 200);
      assert.equal((await ops(ssoCookie(again.jar.get('sso_session')!))).status, 200);
    });

    test('R2 renaming oneself needs allowUsernameChange and an unlocked name, and never works with a PAT', async () => {
      const created = await createUser(gw, { username: uniqueUsername('plain') });
      const u = await signIn(gw, created.username, created.password);
      const byDefault = await patchUser(u.auth, 'me', { username: 'ops-mallory' });
      assert.equal(byDefault.status, 403, 'self-rename is off by default');
      assert.equal(byDefault.body.code, 7);

      await setGeneral(gw, admin, { allowUsernameChange: true });
      const pat = await createPat(gw, u);
      assert.equal((await patchUser(pat.auth, 'me', { username: 'ops-mallory' })).status, 403, 'a PAT never renames');
      const adminPat = await createPat(gw, admin);
      assert.equal((await patchUser(adminPat.auth, created.id, { username: 'ops-by-pat' })).status, 403, "not even an admin's PAT");

      const renamed = await patchUser(u.auth, 'me', { username: 'ops-mallory' });
      assert.equal(renamed.status, 200, 'allowed by the instance');
      assert.equal(renamed.body.usernameLocked, false, 'a name one picks for oneself is not locked');
      gw.clock.advance(1000);
      const signedIn = await signIn(gw, 'ops-mallory', created.password);
      assert.equal((await ops(bearer(signedIn.accessToken))).status, 403, 'and passes no userPattern rule');

      const assigned = await createUser(gw, { username: uniqueUsername('assigned') }, admin);
      const a = await signIn(gw, assigned.username, assigned.password);
      const lockedOut = await patchUser(a.auth, 'me', { username: 'ops-free' });
      assert.equal(lockedOut.status, 403, 'an admin-assigned name is locked against self-rename');

      const byAdmin = await patchUser(admin.auth, assigned.id, { username: 'ops-assigned' });
      assert.equal(byAdmin.status, 200);
      assert.equal(byAdmin.body.usernameLocked, true, 'a name an admin gives is locked');
      assert.equal((await patchUser(u.auth, 'me', { usernameLocked: true })).status, 403, 'only admins lock');
    });

    test('R2 an SSO sign-up named like a userPattern (GitHub login ops-evil) does not pass the rule', async () => {
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh, { oauth2: { fieldMapping: { identifier: 'id', username: 'login', displayName: 'name', email: 'email', avatarUrl: 'avatar_url' } } }));
      providers.gh.users.set('ops-evil', { id: 66601, login: 'ops-evil', name: 'Evil', email: null });
      const { sso, user } = await githubSignIn(uid, 'ops-evil');
      assert.equal(user.username, 'ops-evil');
      assert.equal((await ops(ssoCookie(sso))).status, 403);
      assert.equal(user.usernameLocked, false);
    });

    test('R4 usernames that differ only in case cannot coexist: sign-up, admin create and rename are 409 AlreadyExists', async () => {
      const bob = await createUser(gw, { username: 'bob' });
      for (const [label, req] of [
        ['sign-up', gw.http.post('/api/v1/users').send({ username: 'Bob', password: 'pw pw pw pw' })],
        ['admin create', gw.http.post('/api/v1/users').set(admin.auth).send({ username: 'BOB', password: 'pw pw pw pw' })],
      ] as const) {
        const res = await req;
        assert.equal(res.status, 409, label);
        assert.equal(res.body.code, 6, label);
      }
      const carol = await createUser(gw, { username: 'carol' }, admin);
      const rename = await patchUser(admin.auth, carol.id, { username: 'bOb' });
      assert.equal(rename.status, 409);
      assert.equal(rename.body.code, 6);
      const own = await patchUser(admin.auth, bob.id, { username: 'Bob' });
      assert.equal(own.status, 200, 'a user may take their own name in another case');
      const list = await gw.http.get('/api/v1/users').set(admin.auth).expect(200);
      assert.equal(list.body.users.filter((u: { username: string }) => u.username.toLowerCase() === 'bob').length, 1);
    });

    test('R4 an SSO sign-up whose name collides with a local user in another case gets a generated name', async () => {
      await createUser(gw, { username: 'Hubot' }, admin);
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh, { oauth2: { fieldMapping: { identifier: 'id', username: 'login', displayName: 'name', email: 'email', avatarUrl: 'avatar_url' } } }));
      const { user, sso } = await githubSignIn(uid, 'hubot');
      assert.notEqual(user.username.toLowerCase(), 'hubot');
      assert.match(user.username, /^hubot-[0-9a-f]{4}$/);
      const home = await verify(gw, ssoCookie(sso), `${APP}/`);
      assert.equal(home.headers['x-auth-request-user'], user.username);
    });

    test('R4 the migration stops on usernames that already differ only in case, naming them, and changes nothing', async () => {
      const storage = await createStorage(mode);
      try {
        await seedAtMigration(storage, '0004-audit-log', [{ username: 'admin', role: 'ADMIN' }, { username: 'Admin' }, { username: 'bob' }, { username: 'BOB' }, { username: 'carol' }]);
        await assert.rejects(openStorageStore(storage), (err: unknown) => {
          const message = err instanceof Error ? err.message : '';
          assert.match(message, /0005-names/);
          assert.match(message, /differ only in case: admin \(id 1\) \/ Admin \(id 2\); bob \(id 3\) \/ BOB \(id 4\)/);
          assert.doesNotMatch(message, /carol/);
          return true;
        });
        // Nothing half-done (MySQL's DDL does not roll back: the check runs before any change).
        const rows = (await dumpDatabase(storage)).user!.map((r) => JSON.parse(r) as Record<string, unknown>);
        assert.equal(rows.length, 5);
        assert.ok(rows.every((r) => !('username_key' in r)), 'no new column was added');
      } finally {
        await storage.destroy();
      }
    });

    test('R5 X-Auth-Request-Email carries a self-set address never, an admin-set one always (cookie and PAT)', async () => {
      const created = await createUser(gw, { username: uniqueUsername('mail'), email: 'self@example.test' });
      const u = await signIn(gw, created.username, created.password);
      const pat = await createPat(gw, u);
      const headerOf = async (headers: Record<string, string>) => (await verify(gw, headers)).headers['x-auth-request-email'];
      assert.equal(await headerOf(ssoCookie(u.jar.get('sso_session')!)), '', 'self-set at sign-up: cookie');
      assert.equal(await headerOf(bearer(pat.token)), '', 'self-set at sign-up: PAT');
      const me = await gw.http.get('/api/v1/auth/me').set(u.auth).expect(200);
      assert.equal(me.body.user.email, 'self@example.test', 'the address is kept');
      assert.equal(me.body.user.emailVerified, false);

      // The admin's address, typed in by anyone, is not the admin's identity.
      const adminMail = await patchUser(admin.auth, admin.userId, { email: 'boss@example.test' });
      assert.equal(adminMail.body.emailVerified, true, 'an admin-set address is verified');
      const stolen = await patchUser(u.auth, 'me', { email: 'boss@example.test' });
      assert.equal(stolen.status, 200);
      assert.equal(stolen.body.emailVerified, false);
      assert.equal(await headerOf(ssoCookie(u.jar.get('sso_session')!)), '', 'self-set later: cookie');
      assert.equal(await headerOf(bearer(pat.token)), '', 'self-set later: PAT');
      assert.equal(await headerOf(ssoCookie(admin.jar.get('sso_session')!)), 'boss@example.test');

      const vouched = await patchUser(admin.auth, created.id, { email: 'worker@example.test' });
      assert.equal(vouched.body.emailVerified, true);
      assert.equal(await headerOf(ssoCookie(u.jar.get('sso_session')!)), 'worker@example.test', 'admin-set: cookie');
      assert.equal(await headerOf(bearer(pat.token)), 'worker@example.test', 'admin-set: PAT');
      assert.equal((await patchUser(u.auth, 'me', { emailVerified: true })).status, 403, 'only admins verify');
    });

    test('R5 an address verified on one account cannot be verified on another (409), in any letter case', async () => {
      await patchUser(admin.auth, admin.userId, { email: 'boss@example.test' }).expect(200);
      const other = await createUser(gw, { username: uniqueUsername('other') }, admin);
      const clash = await patchUser(admin.auth, other.id, { email: 'Boss@Example.test' });
      assert.equal(clash.status, 409);
      assert.equal(clash.body.code, 6);
      const create = await gw.http.post('/api/v1/users').set(admin.auth).send({ username: uniqueUsername('dup'), password: 'pw pw pw pw', email: 'BOSS@example.test' });
      assert.equal(create.status, 409);
      const unverified = await patchUser(admin.auth, other.id, { email: 'boss@example.test', emailVerified: false });
      assert.equal(unverified.status, 200, 'an unverified copy is allowed');
      assert.equal(unverified.body.emailVerified, false);
    });

    test('R5 SSO: an email is verified only when the provider says email_verified: true', async () => {
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op));
      await providers.op.setAccount('vera', { sub: `vera-${mode}`, email: `vera-${mode}@corp.example`, email_verified: true, name: 'Vera' });
      await providers.op.setAccount('una', { sub: `una-${mode}`, email: `una-${mode}@corp.example`, email_verified: false, name: 'Una' });
      await providers.op.setAccount('nora', { sub: `nora-${mode}`, email: `nora-${mode}@corp.example`, name: 'Nora' });
      for (const login of ['una', 'nora']) {
        const { user, sso } = await oidcSignIn(uid, login);
        assert.equal((await verify(gw, ssoCookie(sso))).headers['x-auth-request-email'], '', `${login}: not asserted`);
        assert.equal(user.email, `${login}-${mode}@corp.example`, `${login}: the address is kept`);
        assert.equal(user.emailVerified, false, `${login}: unverified`);
      }
      const vera = await oidcSignIn(uid, 'vera');
      assert.equal((await verify(gw, ssoCookie(vera.sso))).headers['x-auth-request-email'], `vera-${mode}@corp.example`);
      assert.equal(vera.user.emailVerified, true);
    });

    test('R5 SSO: an address verified on another account stays unverified on the new one', async () => {
      await patchUser(admin.auth, admin.userId, { email: `taken-${mode}@corp.example` }).expect(200);
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op));
      await providers.op.setAccount('copycat', { sub: `copycat-${mode}`, email: `taken-${mode}@corp.example`, email_verified: true, name: 'Copy' });
      const { user, sso } = await oidcSignIn(uid, 'copycat');
      assert.equal((await verify(gw, ssoCookie(sso))).headers['x-auth-request-email'], '');
      assert.equal(user.emailVerified, false);
    });

    test("R5 GitHub: the email is the primary verified address from /user/emails, not /user's public one", async () => {
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh, { oauth2: { fieldMapping: { identifier: 'id', username: 'login', displayName: 'name', email: 'email', avatarUrl: 'avatar_url' } } }));
      providers.gh.users.set('verity', {
        id: 70001, login: 'verity', email: 'public@elsewhere.example',
        emails: [
          { email: 'public@elsewhere.example', primary: false, verified: false, visibility: 'public' },
          { email: 'verity@work.example', primary: true, verified: true, visibility: 'private' },
        ],
      });
      providers.gh.users.set('shady', {
        id: 70002, login: 'shady', email: 'ceo@work.example',
        emails: [{ email: 'ceo@work.example', primary: true, verified: false, visibility: 'public' }],
      });
      const verity = await githubSignIn(uid, 'verity');
      assert.equal((await verify(gw, ssoCookie(verity.sso))).headers['x-auth-request-email'], 'verity@work.example');
      assert.equal(verity.user.email, 'verity@work.example');
      assert.equal(verity.user.emailVerified, true);
      const shady = await githubSignIn(uid, 'shady');
      assert.equal((await verify(gw, ssoCookie(shady.sso))).headers['x-auth-request-email'], '');
      assert.equal(shady.user.emailVerified, false);
    });

    test('R15 `me` and all-digit usernames are refused (400) for sign-up, admin creation and rename', async () => {
      for (const name of ['me', 'ME', '12345', '0']) {
        const signUp = await gw.http.post('/api/v1/users').send({ username: name, password: 'pw pw pw pw' });
        assert.equal(signUp.status, 400, `sign-up ${name}`);
        assert.equal(signUp.body.code, 3);
        assert.equal((await gw.http.post('/api/v1/users').set(admin.auth).send({ username: name, password: 'pw pw pw pw' })).status, 400, `admin create ${name}`);
        assert.equal((await patchUser(admin.auth, admin.userId, { username: name })).status, 400, `rename to ${name}`);
      }
      assert.equal((await gw.http.post('/api/v1/users').set(admin.auth).send({ username: 'me2', password: 'pw pw pw pw' })).status, 200, 'names that merely contain them are fine');
      assert.equal((await gw.http.post('/api/v1/users').set(admin.auth).send({ username: '1a', password: 'pw pw pw pw' })).status, 200);
    });
  });
}
