// The OpenID Provider's protocol, browser-less (fetch with a cookie jar standing in for the browser, on a signed-in
// gateway session): public clients with PKCE, refresh rotation and reuse, introspection after revocation, a
// revoked gateway session ending its OIDC credentials, back-channel logout, two replicas, and every refusal the
// issue names — each refused with nothing issued. Both storage modes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { CookieJar } from '../support/cookie-jar.js';
import { STORAGE_MODES } from '../support/gateway.js';
import {
  authorizeByFetch,
  freePort,
  pkcePair,
  postForm,
  registerClient,
  startOpGateway,
  startTestRp,
  type OpGateway,
  type RegisteredClient,
  type TestRp,
} from '../support/oidc-op.js';
import { startGatewayProcess } from '../support/process-gateway.js';
import { createAdmin, createUser, signIn, type SignedIn } from '../support/users.js';

const REDIRECT = 'http://127.0.0.1:9/cb';

for (const mode of STORAGE_MODES) {
  /** `test` in the one storage mode a case belongs to; in the other it is not declared at all (never a skip). */
  const testIn = (only: typeof mode): typeof test => (mode === only ? test : ((() => undefined) as unknown as typeof test));
  describe(`OpenID Provider protocol [${mode}]`, () => {
    let op: OpGateway;
    let admin: SignedIn;
    let alice: SignedIn;
    let conf: RegisteredClient;
    let pub: RegisteredClient;
    let adminsOnly: RegisteredClient;
    let editorsOnly: RegisteredClient;
    let bcl: RegisteredClient;
    let rp: TestRp;

    before(async () => {
      op = await startOpGateway(mode);
      admin = await createAdmin(op.gw);
      const u = await createUser(op.gw, { email: 'alice@example.com' });
      alice = await signIn(op.gw, u.username, u.password);
      conf = await registerClient(op.gw, admin, { displayName: 'Conf', redirectUris: [REDIRECT], consent: 'SKIP' });
      pub = await registerClient(op.gw, admin, { displayName: 'Spa', redirectUris: [REDIRECT], consent: 'SKIP', public: true });
      adminsOnly = await registerClient(op.gw, admin, { displayName: 'Ops', redirectUris: [REDIRECT], consent: 'SKIP', allowedRoles: ['ADMIN'] });
      editorsOnly = await registerClient(op.gw, admin, {
        displayName: 'Editors', redirectUris: [REDIRECT], consent: 'SKIP', allowedGroups: ['wiki-editors'], refreshTokens: true,
      });
      const rpPort = await freePort();
      bcl = await registerClient(op.gw, admin, {
        displayName: 'Bcl', redirectUris: [`http://127.0.0.1:${rpPort}/cb`], consent: 'SKIP', backchannelLogoutUri: `http://127.0.0.1:${rpPort}/backchannel`,
      });
      rp = await startTestRp(op.issuer, bcl, { port: rpPort });
    });

    after(async () => {
      await rp?.close();
      await op?.close();
    });

    const freshJar = (who: SignedIn = alice) => {
      const jar = new CookieJar();
      jar.cookies.set('sso_session', who.jar.cookies.get('sso_session')!);
      return jar;
    };

    async function authorize(client: RegisteredClient, extra: Record<string, string> = {}, jar = freshJar(), redirectUri = REDIRECT) {
      const pkce = await pkcePair();
      const outcome = await authorizeByFetch(op, jar, {
        client_id: client.clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid profile email offline_access',
        code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'st', nonce: 'nn', prompt: 'consent', ...extra,
      });
      return { ...outcome, verifier: pkce.verifier, code: outcome.location?.searchParams.get('code') ?? null };
    }

    function exchange(client: RegisteredClient, code: string, verifier: string, secret = client.clientSecret, redirectUri = REDIRECT) {
      return postForm(`${op.issuer}/token`, {
        grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: client.clientId,
        ...(secret ? { client_secret: secret } : {}),
      });
    }

    const introspect = (token: string) => postForm(`${op.issuer}/token/introspection`, { token, client_id: conf.clientId, client_secret: conf.clientSecret! });
    const refresh = (token: string) => postForm(`${op.issuer}/token`, { grant_type: 'refresh_token', refresh_token: token, client_id: conf.clientId, client_secret: conf.clientSecret! });
    const userinfo = (accessToken: string) => fetch(`${op.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });

    async function tokensFor(client: RegisteredClient, jar = freshJar()) {
      const a = await authorize(client, {}, jar);
      assert.ok(a.code, `a code: ${a.location?.href} ${a.body.slice(0, 300)}`);
      const t = await exchange(client, a.code, a.verifier);
      assert.equal(t.status, 200, t.text);
      return t.json as { access_token: string; refresh_token?: string; id_token: string };
    }

    test('public client with PKCE: the code is exchanged without a secret, the ID token verifies against the JWKS', async () => {
      const t = await tokensFor(pub);
      assert.equal(t.refresh_token !== undefined, true, 'offline_access gives a refresh token');
      const jwks = createRemoteJWKSet(new URL(`${op.issuer}/jwks`));
      const { payload, protectedHeader } = await jwtVerify(t.id_token, jwks, { issuer: op.issuer, audience: pub.clientId });
      assert.equal(protectedHeader.alg, 'RS256');
      assert.equal(payload.sub, String(alice.userId));
      assert.equal(payload.nonce, 'nn');
      assert.equal((await userinfo(t.access_token)).status, 200);
      assert.equal(pub.clientSecret, undefined, 'no secret for a public client');
    });

    test('scope groups: the ID token and userinfo carry the effective groups, the list X-Auth-Request-Groups sends', async () => {
      await op.gw.deps.store.groups.replace(alice.userId, '', ['wiki-editors'], new Date());
      await op.gw.deps.store.groups.replace(alice.userId, 'corp', ['eng', 'wiki-editors'], new Date());
      try {
        const a = await authorize(conf, { scope: 'openid groups' });
        assert.ok(a.code, `a code: ${a.location?.href} ${a.body.slice(0, 300)}`);
        const t = await exchange(conf, a.code, a.verifier);
        assert.equal(t.status, 200, t.text);
        const tokens = t.json as { access_token: string; id_token: string };
        const info = await userinfo(tokens.access_token);
        assert.deepEqual(((await info.json()) as { groups?: unknown }).groups, ['eng', 'wiki-editors']);
        const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${op.issuer}/jwks`)), { issuer: op.issuer, audience: conf.clientId });
        assert.deepEqual(payload.groups, ['eng', 'wiki-editors']);
      } finally {
        await op.gw.deps.store.groups.deleteForUser(alice.userId);
      }
    });

    test('refresh tokens rotate on use; a reused refresh token revokes the grant', async () => {
      const t = await tokensFor(conf);
      const r1 = await refresh(t.refresh_token!);
      assert.equal(r1.status, 200, r1.text);
      assert.notEqual(r1.json.refresh_token, t.refresh_token, 'rotated');
      const reuse = await refresh(t.refresh_token!);
      assert.equal(reuse.status, 400);
      assert.equal(reuse.json.error, 'invalid_grant');
      const r2 = await refresh(String(r1.json.refresh_token));
      assert.equal(r2.json.error, 'invalid_grant', 'the whole grant is revoked: its newest refresh token too');
      assert.equal((await introspect(String(r1.json.access_token))).json.active, false, 'and its access tokens');
      const audit = await op.gw.http.get('/api/v1/audit-logs?event=oidc.refresh').set(admin.auth);
      assert.ok(audit.body.auditLogs.length >= 1);
      assert.ok(!JSON.stringify(audit.body).includes(String(r1.json.refresh_token)), 'no token in the audit rows');
    });

    test('a browser with a gateway session is not asked again; prompt=login and max_age=0 send it to the sign-in page', async () => {
      assert.ok((await authorize(conf)).code, 'single sign-on: a code at once');
      for (const extra of [{ prompt: 'login' }, { max_age: '0', prompt: '' }] as Record<string, string>[]) {
        const forced = await authorize(conf, extra);
        assert.equal(forced.code, null, JSON.stringify(extra));
        assert.match(forced.body, /id="password-form"/, `${JSON.stringify(extra)}: the sign-in page`);
      }
    });

    test('introspection says active: false after revocation', async () => {
      const t = await tokensFor(conf);
      assert.equal((await introspect(t.access_token)).json.active, true);
      const revoked = await postForm(`${op.issuer}/token/revocation`, { token: t.access_token, client_id: conf.clientId, client_secret: conf.clientSecret! });
      assert.equal(revoked.status, 200);
      assert.equal((await introspect(t.access_token)).json.active, false);
      assert.equal((await userinfo(t.access_token)).status, 401);
    });

    test('a revoked gateway session ends every OIDC credential that came from it', async () => {
      const u = await createUser(op.gw);
      const bob = await signIn(op.gw, u.username, u.password);
      const t = await tokensFor(conf, freshJar(bob));
      assert.equal((await userinfo(t.access_token)).status, 200);
      const sessions = await op.gw.http.get('/api/v1/users/me/sessions').set(bob.auth);
      const sessionId = String(sessions.body.sessions[0].name).split('/').at(-1);
      const del = await op.gw.http.delete(`/api/v1/users/me/sessions/${sessionId}`).set(bob.auth);
      assert.equal(del.status, 200, JSON.stringify(del.body));
      assert.equal((await userinfo(t.access_token)).status, 401, 'userinfo');
      assert.equal((await refresh(t.refresh_token!)).json.error, 'invalid_grant', 'refresh');
      assert.equal((await introspect(t.access_token)).json.active, false, 'introspection');
      const again = await authorize(conf, {}, freshJar(bob));
      assert.equal(again.code, null, 'no new code on the dead session');
      assert.equal(again.location, null);
      assert.match(again.body, /id="password-form"/, 'sent to the sign-in page');
    });

    test('back-channel logout reaches the RP with a valid logout token', async () => {
      const u = await createUser(op.gw);
      const carol = await signIn(op.gw, u.username, u.password);
      const jar = freshJar(carol);
      const a = await authorize(bcl, {}, jar, rp.redirectUri);
      const t = await exchange(bcl, a.code!, a.verifier, bcl.clientSecret, rp.redirectUri);
      assert.equal(t.status, 200, t.text);
      const end = await fetch(`${op.issuer}/session/end?id_token_hint=${t.json.id_token}`, { headers: { cookie: jar.header() } });
      jar.store(end.headers.getSetCookie());
      const page = await end.text();
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1];
      assert.ok(xsrf, page.slice(0, 500));
      const confirm = await fetch(`${op.issuer}/session/end/confirm`, {
        method: 'POST', redirect: 'manual', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ xsrf, logout: 'yes' }),
      });
      assert.equal(confirm.status, 303);
      assert.equal(rp.logoutTokens.length, 1, 'one logout token delivered');
      const jwks = createRemoteJWKSet(new URL(`${op.issuer}/jwks`));
      const { payload } = await jwtVerify(rp.logoutTokens[0]!, jwks, { issuer: op.issuer, audience: bcl.clientId });
      assert.ok((payload.events as Record<string, unknown>)['http://schemas.openid.net/event/backchannel-logout']);
      assert.equal(payload.sub, String(carol.userId));
      assert.equal(typeof payload.sid, 'string');
    });

    describe('refused, nothing issued', () => {
      test('an unregistered redirect_uri: an error page on the gateway, never a redirect to it', async () => {
        const a = await authorize(conf, { redirect_uri: 'http://127.0.0.1:9/cb/other' });
        assert.equal(a.location, null);
        assert.equal(a.status, 400);
        assert.match(a.body, /redirect_uri/);
      });

      test('a public client without PKCE', async () => {
        // No code_challenge parameter at all: an empty one would be refused by its format check alone, which says
        // nothing about whether PKCE is required.
        const a = await authorizeByFetch(op, freshJar(), {
          client_id: pub.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'st', nonce: 'nn',
        });
        assert.equal(a.location?.searchParams.get('code') ?? null, null);
        assert.equal(a.location?.searchParams.get('error'), 'invalid_request');
        assert.match(String(a.location?.searchParams.get('error_description')), /PKCE/);
      });

      test('plain PKCE', async () => {
        const a = await authorize(pub, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
        assert.equal(a.code, null);
        assert.equal(a.location?.searchParams.get('error'), 'invalid_request');
      });

      test('code replay: the second exchange fails and the tokens of the first are revoked', async () => {
        const a = await authorize(conf);
        const first = await exchange(conf, a.code!, a.verifier);
        assert.equal(first.status, 200);
        const second = await exchange(conf, a.code!, a.verifier);
        assert.equal(second.json.error, 'invalid_grant');
        assert.equal(second.json.access_token, undefined);
        assert.equal((await introspect(String(first.json.access_token))).json.active, false);
        assert.equal((await refresh(String(first.json.refresh_token))).json.error, 'invalid_grant');
      });

      test('a wrong client secret (post and basic)', async () => {
        const a = await authorize(conf);
        const wrong = await exchange(conf, a.code!, a.verifier, 'f'.repeat(64));
        assert.equal(wrong.status, 401);
        assert.equal(wrong.json.error, 'invalid_client');
        const hashAsSecret = await exchange(conf, a.code!, a.verifier, (await op.gw.deps.store.oidcClients.findById(conf.clientId))!.secretHash!);
        assert.equal(hashAsSecret.json.error, 'invalid_client', 'the stored hash is not a usable secret');
        const basic = await postForm(`${op.issuer}/token`, { grant_type: 'authorization_code', code: a.code!, redirect_uri: REDIRECT, code_verifier: a.verifier }, { id: conf.clientId, secret: 'nope' });
        assert.equal(basic.json.error, 'invalid_client');
        const right = await postForm(`${op.issuer}/token`, { grant_type: 'authorization_code', code: a.code!, redirect_uri: REDIRECT, code_verifier: a.verifier }, { id: conf.clientId, secret: conf.clientSecret! });
        assert.equal(right.status, 200, 'the code was never spent by the refused attempts');
      });

      // Embedded only: code expiry there follows the test clock; on Redis it follows the TTL, which no test clock moves.
      testIn('embedded')('an expired code', async () => {
        const a = await authorize(conf);
        op.gw.clock.advance(61_000);
        const late = await exchange(conf, a.code!, a.verifier);
        assert.equal(late.json.error, 'invalid_grant');
      });

      test('response_type=token', async () => {
        const a = await authorize(conf, { response_type: 'token' });
        assert.equal(a.code, null);
        const text = `${a.location?.search ?? ''}${a.location?.hash ?? ''}${a.body}`;
        assert.match(text, /unsupported_response_type|invalid_request/);
        assert.doesNotMatch(text, /access_token=/);
      });

      test('a user the client does not allow: access_denied at the redirect URI, audited', async () => {
        const a = await authorize(adminsOnly);
        assert.equal(a.code, null);
        assert.equal(a.location?.origin + a.location!.pathname, REDIRECT);
        assert.equal(a.location?.searchParams.get('error'), 'access_denied');
        const audit = await op.gw.http.get('/api/v1/audit-logs?event=oidc.denied').set(admin.auth);
        assert.ok(audit.body.auditLogs.some((r: { subject: string; detail: { reason?: string } }) => r.subject === adminsOnly.clientId && r.detail.reason === 'user_not_allowed'));
        const adminJar = freshJar(admin);
        assert.ok((await authorize(adminsOnly, {}, adminJar)).code, 'an admin may');
      });
    });

    test('allowedGroups: a user outside the groups gets access_denied; a local or upstream group admits; leaving it ends refresh and userinfo', async () => {
      const denied = await authorize(editorsOnly);
      assert.equal(denied.code, null);
      assert.equal(denied.location?.searchParams.get('error'), 'access_denied');
      const audit = await op.gw.http.get('/api/v1/audit-logs?event=oidc.denied').set(admin.auth);
      assert.ok(audit.body.auditLogs.some((r: { subject: string; detail: { reason?: string } }) => r.subject === editorsOnly.clientId && r.detail.reason === 'user_not_allowed'));
      try {
        // An upstream group (sent by a provider) admits like a local one.
        await op.gw.deps.store.groups.replace(alice.userId, 'corp', ['wiki-editors'], new Date());
        const a = await authorize(editorsOnly);
        assert.ok(a.code, `a code: ${a.location?.href} ${a.body.slice(0, 300)}`);
        const t = await exchange(editorsOnly, a.code, a.verifier);
        assert.equal(t.status, 200, t.text);
        const tokens = t.json as { access_token: string; refresh_token: string };
        assert.equal((await userinfo(tokens.access_token)).status, 200);
        await op.gw.deps.store.groups.replace(alice.userId, 'corp', ['eng'], new Date());
        assert.equal((await userinfo(tokens.access_token)).status, 401, 'userinfo after leaving the group');
        const r = await postForm(`${op.issuer}/token`, {
          grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: editorsOnly.clientId, client_secret: editorsOnly.clientSecret!,
        });
        assert.equal(r.json.error, 'invalid_grant', 'refresh after leaving the group');
        await op.gw.deps.store.groups.replace(alice.userId, '', ['wiki-editors'], new Date());
        assert.ok((await authorize(editorsOnly)).code, 'a local group admits');
        assert.equal((await authorize(adminsOnly)).code, null, 'groups do not widen a role-only client');
      } finally {
        await op.gw.deps.store.groups.deleteForUser(alice.userId);
      }
    });

    // MariaDB + Redis only: in-process ephemeral state is one machine's.
    testIn('mariadb')('two gateways on one database and Redis: authorize on one, token exchange and userinfo on the other', async () => {
      const second = await startOpGateway(mode, { storage: op.gw.storage });
      try {
        const a = await authorize(conf);
        const t = await postForm(`${second.issuer}/token`, { grant_type: 'authorization_code', code: a.code!, redirect_uri: REDIRECT, code_verifier: a.verifier, client_id: conf.clientId, client_secret: conf.clientSecret! });
        assert.equal(t.status, 200, t.text);
        const info = await fetch(`${second.issuer}/me`, { headers: { authorization: `Bearer ${String(t.json.access_token)}` } });
        assert.equal(info.status, 200);
        assert.equal(((await info.json()) as { sub: string }).sub, String(alice.userId));
        const replay = await exchange(conf, a.code!, a.verifier);
        assert.equal(replay.json.error, 'invalid_grant', 'consumed on one replica is consumed on all');
      } finally {
        await second.close();
      }
    });

    // The same across OS processes: this test process hosts one gateway, a child process (node src/main.ts) the other.
    testIn('mariadb')('two gateway processes on one database and Redis: authorize on one, token exchange and userinfo on a separate process', async () => {
      const other = await startGatewayProcess(
        { ...op.gw.storage.env, GATEWAY_REDIS_KEY_PREFIX: op.gw.storage.redisKeyPrefix, GATEWAY_ALLOWED_REDIRECT_HOSTS: '127.0.0.1', GATEWAY_LOG_LEVEL: 'warn' },
        60_000,
        { direct: true },
      );
      try {
        const a = await authorize(conf);
        const t = await postForm(`${other.baseUrl}/oidc/token`, { grant_type: 'authorization_code', code: a.code!, redirect_uri: REDIRECT, code_verifier: a.verifier, client_id: conf.clientId, client_secret: conf.clientSecret! });
        assert.equal(t.status, 200, t.text);
        const info = await fetch(`${other.baseUrl}/oidc/me`, { headers: { authorization: `Bearer ${String(t.json.access_token)}` } });
        assert.equal(info.status, 200);
        assert.equal(((await info.json()) as { sub: string }).sub, String(alice.userId));
        const replay = await exchange(conf, a.code!, a.verifier);
        assert.equal(replay.json.error, 'invalid_grant', 'a code consumed by the other process is consumed here too');
      } finally {
        await other.stop();
      }
    });
  });
}
