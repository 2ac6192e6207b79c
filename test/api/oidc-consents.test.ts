// The apps a user granted: listed and revoked by the user (or an admin for them), revocation ending the grant's
// tokens at once; per-client grant types and token lifetimes as the token endpoint answers them; the audit rows
// of authorize, consent and token (never a token or secret in them); gateway_oidc_requests_total. Both storage modes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { STORAGE_MODES } from '../support/gateway.js';
import { authorizeByFetch, pkcePair, postForm, registerClient, startOpGateway, type OpGateway, type RegisteredClient } from '../support/oidc-op.js';
import { createAdmin, createUser, signIn, type SignedIn } from '../support/users.js';

const REDIRECT = 'http://127.0.0.1:9/cb';

for (const mode of STORAGE_MODES) {
  describe(`OpenID Provider consents and client policies [${mode}]`, () => {
    let op: OpGateway;
    let admin: SignedIn;
    let once: RegisteredClient;

    before(async () => {
      op = await startOpGateway(mode, { env: { GATEWAY_METRICS_ADDR: '127.0.0.1:9' /* never listened on: the test scrapes the registry */ } });
      admin = await createAdmin(op.gw);
      once = await registerClient(op.gw, admin, { displayName: 'Wiki', redirectUris: [REDIRECT], consent: 'ONCE' });
    });

    after(async () => {
      await op?.close();
    });

    async function newUser(): Promise<SignedIn> {
      const u = await createUser(op.gw, { email: `${Math.random().toString(36).slice(2)}@example.com` });
      return signIn(op.gw, u.username, u.password);
    }

    const jarOf = (who: SignedIn) => {
      const jar = new CookieJar();
      jar.cookies.set('sso_session', who.jar.cookies.get('sso_session')!);
      return jar;
    };

    async function tokensFor(client: RegisteredClient, who: SignedIn, scope = 'openid profile email offline_access') {
      const pkce = await pkcePair();
      const a = await authorizeByFetch(op, jarOf(who), {
        client_id: client.clientId, redirect_uri: REDIRECT, response_type: 'code', scope,
        code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'st', nonce: 'nn', prompt: 'consent',
      });
      const code = a.location?.searchParams.get('code');
      assert.ok(code, `a code: ${a.location?.href} ${a.body.slice(0, 300)}`);
      const t = await postForm(`${op.issuer}/token`, {
        grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pkce.verifier, client_id: client.clientId, client_secret: client.clientSecret!,
      });
      assert.equal(t.status, 200, t.text);
      return { code, ...(t.json as { access_token: string; refresh_token?: string; id_token: string; expires_in: number }) };
    }

    const introspect = (client: RegisteredClient, token: string) =>
      postForm(`${op.issuer}/token/introspection`, { token, client_id: client.clientId, client_secret: client.clientSecret! });
    const refresh = (client: RegisteredClient, token: string) =>
      postForm(`${op.issuer}/token`, { grant_type: 'refresh_token', refresh_token: token, client_id: client.clientId, client_secret: client.clientSecret! });
    const userinfo = (accessToken: string) => fetch(`${op.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });

    test('a user lists the apps they granted and revokes one: its access and refresh tokens are refused at once', async () => {
      const alice = await newUser();
      const t = await tokensFor(once, alice);
      assert.equal((await introspect(once, t.access_token)).json.active, true);
      const list = await op.gw.http.get('/api/v1/users/me/oidcConsents').set(alice.auth);
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.equal(list.body.consents.length, 1);
      const c = list.body.consents[0];
      assert.equal(c.name, `users/${alice.userId}/oidcConsents/${once.clientId}`);
      assert.equal(c.clientDisplayName, 'Wiki');
      assert.equal(c.remembered, true);
      assert.equal(c.activeGrants, 1);
      assert.deepEqual(c.scopes, ['email', 'offline_access', 'openid', 'profile']);

      const del = await op.gw.http.delete(`/api/v1/users/me/oidcConsents/${once.clientId}`).set(alice.auth);
      assert.equal(del.status, 200, JSON.stringify(del.body));
      assert.equal((await introspect(once, t.access_token)).json.active, false, 'introspection');
      assert.equal((await userinfo(t.access_token)).status, 401, 'userinfo');
      assert.equal((await refresh(once, t.refresh_token!)).json.error, 'invalid_grant', 'refresh');
      assert.deepEqual((await op.gw.http.get('/api/v1/users/me/oidcConsents').set(alice.auth)).body.consents, []);
      assert.equal((await op.gw.http.delete(`/api/v1/users/me/oidcConsents/${once.clientId}`).set(alice.auth)).status, 404, 'nothing left to revoke');
      const audit = await op.gw.http.get('/api/v1/audit-logs?event=oidc.consent_revoked').set(admin.auth);
      assert.ok(audit.body.auditLogs.some((r: { subject: string }) => r.subject === once.clientId));
    });

    test('an admin lists and revokes for a user; another user can do neither', async () => {
      const bob = await newUser();
      const mallory = await newUser();
      const t = await tokensFor(once, bob);
      assert.equal((await op.gw.http.get(`/api/v1/users/${bob.userId}/oidcConsents`).set(mallory.auth)).status, 403);
      assert.equal((await op.gw.http.delete(`/api/v1/users/${bob.userId}/oidcConsents/${once.clientId}`).set(mallory.auth)).status, 403);
      assert.equal((await userinfo(t.access_token)).status, 200, 'the refused revocation changed nothing');
      const seen = await op.gw.http.get(`/api/v1/users/${bob.userId}/oidcConsents`).set(admin.auth);
      assert.deepEqual(seen.body.consents.map((c: { clientId: string }) => c.clientId), [once.clientId]);
      assert.equal((await op.gw.http.delete(`/api/v1/users/${bob.userId}/oidcConsents/${once.clientId}`).set(admin.auth)).status, 200);
      assert.equal((await introspect(once, t.access_token)).json.active, false);
    });

    test('a client limited to authorization_code gets no refresh token and may not refresh; lifetimes are the client\'s', async () => {
      const carol = await newUser();
      const short = await registerClient(op.gw, admin, {
        displayName: 'Short', redirectUris: [REDIRECT], consent: 'SKIP', grantTypes: ['authorization_code'], tokenLifetimes: { accessToken: 600, idToken: 300 },
      });
      const shown = short.body.client as { grantTypes: string[]; tokenLifetimes: unknown };
      assert.deepEqual([shown.grantTypes, shown.tokenLifetimes], [['authorization_code'], { accessToken: 600, idToken: 300, refreshToken: null }]);
      const t = await tokensFor(short, carol);
      assert.equal(t.refresh_token, undefined, 'offline_access asked, but refresh_token is not one of its grant types');
      assert.equal(t.expires_in, 600);
      const info = (await introspect(short, t.access_token)).json as { exp: number; iat: number };
      assert.equal(info.exp - info.iat, 600);
      const idClaims = JSON.parse(Buffer.from(t.id_token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
      assert.equal(idClaims.exp - idClaims.iat, 300);
      const r = await refresh(short, 'x'.repeat(43));
      assert.equal(r.json.error, 'invalid_request', r.text);
      assert.match(String(r.json.error_description), /grant type is not allowed for this client/);

      const long = await registerClient(op.gw, admin, { displayName: 'Long', redirectUris: [REDIRECT], consent: 'SKIP', tokenLifetimes: { refreshToken: 3600 } });
      const lt = await tokensFor(long, carol);
      const rinfo = (await introspect(long, lt.refresh_token!)).json as { exp: number; iat: number };
      assert.equal(rinfo.exp - rinfo.iat, 3600);
      const patched = await op.gw.http.patch(`/api/v1/oidc-clients/${long.clientId}?updateMask=tokenLifetimes`).set(admin.auth).send({ tokenLifetimes: { accessToken: 120 } });
      assert.deepEqual(patched.body.tokenLifetimes, { accessToken: 120, idToken: null, refreshToken: 3600 }, 'a patch merges the lifetimes it names');
      assert.equal((await tokensFor(long, carol)).expires_in, 120, 'takes effect at once');
    });

    test('the gateway\'s own client settings reach the provider: requirePkce false and refreshTokens true are honoured', async () => {
      const frank = await newUser();
      const legacy = await registerClient(op.gw, admin, { displayName: 'Legacy', redirectUris: [REDIRECT], consent: 'SKIP', requirePkce: false, refreshTokens: true });
      const a = await authorizeByFetch(op, jarOf(frank), { client_id: legacy.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'st', nonce: 'nn' });
      const code = a.location?.searchParams.get('code');
      assert.ok(code, `a confidential client that turned PKCE off gets a code without one: ${a.location?.href}`);
      const t = await postForm(`${op.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: legacy.clientId, client_secret: legacy.clientSecret! });
      assert.equal(t.status, 200, t.text);
      assert.equal(typeof t.json.refresh_token, 'string', 'refreshTokens: true gives one without offline_access');
    });

    test('grant types and lifetimes are validated, naming the field', async () => {
      const bad = async (body: Record<string, unknown>, field: RegExp) => {
        const res = await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({ displayName: 'Bad', redirectUris: [REDIRECT], ...body });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(JSON.stringify(res.body), field, JSON.stringify(res.body));
      };
      await bad({ grantTypes: ['refresh_token'] }, /grantTypes/);
      await bad({ grantTypes: ['authorization_code', 'implicit'] }, /grantTypes/);
      await bad({ grantTypes: ['authorization_code'], refreshTokens: true }, /refreshTokens/);
      await bad({ tokenLifetimes: { accessToken: 5 } }, /tokenLifetimes/);
      await bad({ tokenLifetimes: { refreshToken: 10 ** 9 } }, /tokenLifetimes/);
      await bad({ tokenLifetimes: { accessToken: 600, sessionToken: 1 } }, /tokenLifetimes/);
    });

    test('authorize, consent and token are audited, with no token, code or secret in the rows', async () => {
      const dave = await newUser();
      const t = await tokensFor(once, dave);
      const rows: Record<string, unknown>[] = [];
      for (const event of ['oidc.authorize', 'oidc.consent', 'oidc.token']) {
        const res = await op.gw.http.get(`/api/v1/audit-logs?event=${event}`).set(admin.auth);
        const mine = res.body.auditLogs.filter((r: { subject: string; subjectUserId: number }) => r.subject === once.clientId && r.subjectUserId === dave.userId);
        assert.ok(mine.length >= 1, `${event}: ${JSON.stringify(res.body).slice(0, 500)}`);
        rows.push(...mine);
      }
      const text = JSON.stringify(rows);
      for (const secret of [t.access_token, t.refresh_token!, t.id_token, t.code, once.clientSecret!, dave.jar.get('sso_session')!]) {
        assert.ok(!text.includes(secret), 'no token, code or secret in an audit row');
      }
    });

    test('gateway_oidc_requests_total counts the protocol answers by endpoint and outcome', async () => {
      const scrape = async () => op.gw.deps.metricsExporter!.scrape();
      const count = (text: string, endpoint: string, outcome: string) =>
        Number(new RegExp(`^gateway_oidc_requests_total\\{endpoint="${endpoint}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 'NaN');
      const before = await scrape();
      const erin = await newUser();
      await tokensFor(once, erin);
      await postForm(`${op.issuer}/token`, { grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT, client_id: once.clientId, client_secret: once.clientSecret! });
      await fetch(`${op.issuer}/jwks`);
      const after = await scrape();
      assert.equal(count(after, 'token', 'success') - count(before, 'token', 'success'), 1);
      assert.equal(count(after, 'token', 'error') - count(before, 'token', 'error'), 1);
      assert.ok(count(after, 'authorization', 'success') > count(before, 'authorization', 'success'));
      assert.equal(count(after, 'jwks', 'success') - count(before, 'jwks', 'success'), 1);
      assert.equal(count(after, 'userinfo', 'server_error'), 0);
    });
  });
}
