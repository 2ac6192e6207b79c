// Groups end to end on both storage modes (issue 15 items 1 and 2): the oidc-provider test IdP's `groups` claim
// and the GitHub-shaped server's orgs and teams reach the access rules (allowed, denied) and
// X-Auth-Request-Groups, for the session cookie, an access token and a PAT; a later sign-in replaces them;
// groupFilter refuses at sign-in with no row written; public and deny rules; admins' local groups (API, audit,
// caches dropped at once).
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { dumpDatabase } from '../support/db-dump.js';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { createPat } from '../support/pats.js';
import {
  authorizeAtGithub,
  authorizeAtOidc,
  cookieValue,
  createIdp,
  finishFlow,
  githubIdpBody,
  oidcIdpBody,
  startFlow,
  startProviders,
  TEST_INSTANCE_URL,
  type Providers,
} from '../support/sso.js';
import { createAdmin, createSignedInUser, type SignedIn } from '../support/users.js';
import { APP, bearer, ssoCookie, verify, writeRulesFile, type RulesFile } from '../support/verify.js';

const RULES = {
  default: 'any',
  rules: [
    { host: 'app.example.test', path: '/healthz', allow: 'public' },
    { host: 'app.example.test', path: '/eng', allow: { groups: ['eng'] } },
    { host: 'app.example.test', path: '/ops', allow: { groups: ['acme/ops'] } },
    { host: 'app.example.test', path: '/', deny: { groups: ['contractors'] } },
  ],
};

const OIDC_GROUPS = { scopes: ['openid', 'profile', 'email', 'groups'], fieldMapping: { identifier: 'sub', displayName: 'name', email: 'email', avatarUrl: 'picture', groups: 'groups' } };
const GITHUB_GROUPS = { scopes: ['read:user', 'user:email', 'read:org'], fieldMapping: { identifier: 'login', displayName: 'name', email: 'email', avatarUrl: 'avatar_url', groups: 'groups' } };

let providers: Providers;
let rulesFile: RulesFile;
before(async () => {
  providers = await startProviders();
  rulesFile = writeRulesFile(RULES);
  await providers.op.setAccount('carol', { sub: 'carol-sub', name: 'Carol', preferred_username: 'carol', groups: ['eng', 'staff'] });
  await providers.op.setAccount('dave', { sub: 'dave-sub', name: 'Dave', preferred_username: 'dave', groups: ['sales'] });
  providers.gh.users.set('octo-ops', { id: 777, login: 'octo-ops', name: 'Octo Ops', email: null, orgs: ['acme'], teams: ['acme/ops'] });
});
after(async () => {
  rulesFile.remove();
  await providers.stop();
});

for (const mode of STORAGE_MODES) {
  describe(`groups [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode, {
        env: { GATEWAY_INSTANCE_URL: TEST_INSTANCE_URL, GATEWAY_ALLOWED_REDIRECT_HOSTS: '.example.test', GATEWAY_ACCESS_RULES_FILE: rulesFile.path },
      });
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    async function oidcSignIn(uid: string, login: string) {
      const flow = await startFlow(gw, uid);
      const res = await finishFlow(gw, await authorizeAtOidc(gw, flow.authorizeUrl, login), flow.cookie);
      return res;
    }
    const sessionOf = (res: { headers: Record<string, unknown> }) => {
      const value = cookieValue(res.headers['set-cookie'] as string[], 'sso_session');
      assert.ok(value, `an sso_session cookie: ${JSON.stringify(res.headers)}`);
      return value;
    };
    const at = (path: string) => `${APP}${path}`;
    const rows = async () => {
      const dump = await dumpDatabase(gw.storage);
      return { user: dump.user?.length ?? 0, user_identity: dump.user_identity?.length ?? 0, user_group: dump.user_group?.length ?? 0, user_session: dump.user_session?.length ?? 0 };
    };

    test('the OIDC provider\'s groups claim reaches the rules and X-Auth-Request-Groups (cookie and access token); the next sign-in replaces them', async () => {
      const uid = await createIdp(gw, admin, oidcIdpBody(providers.op, { oauth2: OIDC_GROUPS }));
      const res = await oidcSignIn(uid, 'carol');
      assert.equal(res.status, 302, JSON.stringify(res.body));
      const cookie = ssoCookie(sessionOf(res));

      const allowed = await verify(gw, cookie, at('/eng/wiki'));
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers['x-auth-request-groups'], 'eng,staff');
      assert.equal((await verify(gw, cookie, at('/ops/deploy'))).status, 403, 'not in acme/ops');

      const refresh = cookieValue(res.headers['set-cookie'] as unknown as string[], 'memos_refresh');
      const token = (await gw.http.post('/api/v1/auth/refresh').set('Cookie', `memos_refresh=${refresh}`)).body.accessToken as string;
      const viaToken = await verify(gw, bearer(token), at('/eng'));
      assert.equal(viaToken.status, 200);
      assert.equal(viaToken.headers['x-auth-request-groups'], 'eng,staff');

      const me = await gw.http.get('/api/v1/users/me/groups').set(bearer(token));
      assert.equal(me.status, 200);
      assert.deepEqual(me.body, { groups: ['eng', 'staff'], localGroups: [], upstreamGroups: [{ identityProvider: `identity-providers/${uid}`, groups: ['eng', 'staff'] }] });
      // The console's user page shows them too, per provider (escaped like every console value).
      const carolId = String((await gw.http.get('/api/v1/auth/me').set(bearer(token))).body.user.name).split('/')[1];
      const page = await gw.http.get(`/admin/users/${carolId}`).set('Cookie', `sso_session=${admin.jar.get('sso_session')}`);
      assert.equal(page.status, 200, page.text.slice(0, 200));
      assert.match(page.text, new RegExp(`<tr><td>${uid}</td><td>eng, staff</td></tr>`));

      await providers.op.setAccount('carol', { sub: 'carol-sub', name: 'Carol', preferred_username: 'carol', groups: ['staff'] });
      try {
        const again = await oidcSignIn(uid, 'carol');
        assert.equal(again.status, 302);
        const fresh = ssoCookie(sessionOf(again));
        assert.equal((await verify(gw, fresh, at('/eng'))).status, 403, 'eng is gone with the new sign-in');
        assert.equal((await verify(gw, cookie, at('/eng'))).status, 403, 'also for the older session: at once on this replica');
        assert.equal((await verify(gw, bearer(token), at('/eng'))).status, 403, 'and for its access token');
        assert.equal((await verify(gw, fresh, at('/'))).headers['x-auth-request-groups'], 'staff');
      } finally {
        await providers.op.setAccount('carol', { sub: 'carol-sub', name: 'Carol', preferred_username: 'carol', groups: ['eng', 'staff'] });
      }
    });

    test('the GitHub-shaped server\'s orgs and teams (read:org) become `org` and `org/team` groups that reach the rules and the header', async () => {
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh, { oauth2: GITHUB_GROUPS }));
      const flow = await startFlow(gw, uid);
      assert.match(flow.authorizeUrl.searchParams.get('scope') ?? '', /read:org/);
      const res = await finishFlow(gw, await authorizeAtGithub(providers.gh, flow.authorizeUrl, 'octo-ops'), flow.cookie);
      assert.equal(res.status, 302, JSON.stringify(res.body));
      const cookie = ssoCookie(sessionOf(res));
      const ops = await verify(gw, cookie, at('/ops/deploy'));
      assert.equal(ops.status, 200);
      assert.equal(ops.headers['x-auth-request-groups'], 'acme,acme/ops');
      assert.equal(ops.headers['x-auth-request-user'], 'octo-ops');
      assert.equal((await verify(gw, cookie, at('/eng'))).status, 403);
    });

    test('groupFilter refuses a person in no allowed group at sign-in, with no row written; one in an allowed group signs in', async () => {
      const uid = await createIdp(gw, admin, { ...oidcIdpBody(providers.op, { oauth2: OIDC_GROUPS }), groupFilter: '^(eng|ops)$' });
      const idp = await gw.http.get(`/api/v1/identity-providers/${uid}`).set(admin.auth);
      assert.equal(idp.body.groupFilter, '^(eng|ops)$');
      const before = await rows();
      const refused = await oidcSignIn(uid, 'dave');
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.equal(refused.body.message, 'identifier dave-sub is in no allowed group');
      assert.equal(cookieValue(refused.headers['set-cookie'] as unknown as string[], 'sso_session'), undefined);
      assert.deepEqual(await rows(), before, 'zero user, link, group or session rows');
      const denied = await gw.deps.store.auditLogs.list({ beforeId: null, limit: 5, event: 'sso.denied' });
      assert.equal(denied[0]?.detail.reason, 'GROUPS_NOT_ALLOWED');

      assert.equal((await oidcSignIn(uid, 'carol')).status, 302);
      assert.equal((await rows()).user, before.user + 1);
    });

    test('a public rule passes without any credential and sends no identity; elsewhere the credential decides', async () => {
      const none = await verify(gw, {}, at('/healthz'));
      assert.equal(none.status, 200);
      assert.equal(none.headers['x-auth-request-user'], undefined);
      assert.equal(none.headers['x-auth-request-groups'], undefined);
      assert.equal((await verify(gw, bearer('not-a-token'), at('/healthz/deep'))).status, 200, 'a public path reads no credential');
      assert.equal((await verify(gw, {}, at('/healthzz'))).status, 401, 'whole segments only');
      assert.equal((await verify(gw, {}, at('/HEALTHZ'))).status, 401, 'as written /HEALTHZ is not the public /healthz: a credential is needed (fail closed)');
      assert.equal((await verify(gw, {}, at('/wiki'))).status, 401);
    });

    test('local groups: an admin replaces them (audited), they join the upstream ones, and a deny rule on one applies at once to cookie, token and PAT', async () => {
      const user = await createSignedInUser(gw);
      const pat = await createPat(gw, user);
      const cookie = ssoCookie(user.jar.get('sso_session')!);
      for (const credential of [cookie, bearer(user.accessToken), pat.auth]) {
        const ok = await verify(gw, credential, at('/wiki'));
        assert.equal(ok.status, 200);
        assert.equal(ok.headers['x-auth-request-groups'], '');
      }

      const patched = await gw.http.patch(`/api/v1/users/${user.userId}/groups`).set(admin.auth).send({ localGroups: ['contractors', 'eng', 'eng'] });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual(patched.body, { groups: ['contractors', 'eng'], localGroups: ['contractors', 'eng'], upstreamGroups: [] });
      for (const credential of [cookie, bearer(user.accessToken), pat.auth]) {
        assert.equal((await verify(gw, credential, at('/wiki'))).status, 403, 'contractors are denied everywhere on the app, at once');
      }
      const audit = await gw.deps.store.auditLogs.list({ beforeId: null, limit: 1, event: 'user.groups_updated' });
      assert.equal(audit[0]?.subjectUserId, user.userId);
      assert.equal(audit[0]?.actorUserId, admin.userId);
      assert.deepEqual(audit[0]?.detail, { added: 'contractors,eng', removed: '' });

      await gw.http.patch(`/api/v1/users/${user.userId}/groups`).set(admin.auth).send({ localGroups: ['eng'] }).expect(200);
      for (const credential of [cookie, bearer(user.accessToken), pat.auth]) {
        const eng = await verify(gw, credential, at('/eng/x'));
        assert.equal(eng.status, 200);
        assert.equal(eng.headers['x-auth-request-groups'], 'eng');
      }
      assert.deepEqual((await gw.http.get(`/api/v1/users/${user.userId}/groups`).set(user.auth)).body.localGroups, ['eng']);
    });

    test('only an admin sets local groups, with valid names only', async () => {
      const user = await createSignedInUser(gw);
      const self = await gw.http.patch(`/api/v1/users/${user.userId}/groups`).set(user.auth).send({ localGroups: ['admins'] });
      assert.equal(self.status, 403);
      const bad = await gw.http.patch(`/api/v1/users/${user.userId}/groups`).set(admin.auth).send({ localGroups: ['ok', 'a,b', ' '] });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.details[0].fieldViolations.map((v: { field: string }) => v.field), ['localGroups[1]', 'localGroups[2]']);
      assert.equal((await gw.http.patch(`/api/v1/users/${user.userId}/groups`).set(admin.auth).send({ groups: ['x'] })).status, 400, 'unknown field');
      assert.deepEqual(await gw.deps.store.groups.listEffective(user.userId), []);
      const other = await createSignedInUser(gw);
      assert.equal((await gw.http.get(`/api/v1/users/${user.userId}/groups`).set(other.auth)).status, 403);
    });
  });
}
