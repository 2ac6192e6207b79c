// The gateway as an OpenID Provider, end to end: a relying party built with openid-client drives headless
// Chromium through authorize → the gateway's sign-in page (password) → consent → back at the app with a code →
// tokens → ID token verified against the JWKS → userinfo; a second app in the same browser needs no sign-in;
// RP-initiated logout ends the gateway session. Both storage modes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { STORAGE_MODES } from '../support/gateway.js';
import { freePort, registerClient, startOpGateway, startTestRp, type OpGateway, type TestRp } from '../support/oidc-op.js';
import { createAdmin, createUser, type SignedIn } from '../support/users.js';
import { createIdp, oidcIdpBody, startProviders, type Providers } from '../support/sso.js';

async function signInOnGatewayPage(page: Page, username: string, password: string) {
  await page.waitForURL((u) => u.pathname === '/auth');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#signin');
}

for (const mode of STORAGE_MODES) {
  describe(`OpenID Provider with a real relying party and Chromium [${mode}]`, () => {
    let browser: TestBrowser;
    let op: OpGateway;
    let admin: SignedIn;
    let rp: TestRp;
    let rp2: TestRp;
    let alice: { id: number; username: string; password: string };

    before(async () => {
      browser = await launchBrowser();
      op = await startOpGateway(mode);
      admin = await createAdmin(op.gw);
      alice = await createUser(op.gw, { email: 'alice@example.com', displayName: 'Alice A.' });
      const [p1, p2] = [await freePort(), await freePort()];
      const c1 = await registerClient(op.gw, admin, {
        displayName: 'Wiki', redirectUris: [`http://127.0.0.1:${p1}/cb`], postLogoutRedirectUris: [`http://127.0.0.1:${p1}/logged-out`],
      });
      const c2 = await registerClient(op.gw, admin, { displayName: 'Chat', redirectUris: [`http://127.0.0.1:${p2}/cb`], consent: 'SKIP' });
      rp = await startTestRp(op.issuer, c1, { port: p1 });
      rp2 = await startTestRp(op.issuer, c2, { port: p2 });
    });

    after(async () => {
      await browser?.close();
      await rp?.close();
      await rp2?.close();
      await op?.close();
    });

    test('discovery and JWKS documents name the issuer, code flow only, S256 only, and public keys only', async () => {
      const discovery = await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
      assert.equal(discovery.issuer, op.issuer);
      assert.deepEqual(discovery.response_types_supported, ['code']);
      assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(discovery.grant_types_supported, ['authorization_code', 'refresh_token']);
      assert.equal(discovery.authorization_response_iss_parameter_supported, true);
      assert.ok((discovery.id_token_signing_alg_values_supported as string[]).includes('RS256'));
      assert.ok(!(discovery.id_token_signing_alg_values_supported as string[]).includes('none'));
      for (const name of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
        assert.ok(String(discovery[name]).startsWith(`${op.issuer}/`), `${name}: ${String(discovery[name])}`);
      }
      const jwks = await (await fetch(String(discovery.jwks_uri))).json() as { keys: Record<string, unknown>[] };
      assert.deepEqual(jwks.keys.map((k) => k.alg).sort(), ['ES256', 'RS256']);
      for (const key of jwks.keys) for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key[part], undefined, `no private ${part}`);
    });

    test('app → authorize → sign-in page → consent → code → tokens → ID token verified → userinfo names the user; a second app needs no sign-in', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const visited: string[] = [];
      page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(new URL(f.url()).pathname); });
      await page.goto(`${rp.url}/login`);
      await signInOnGatewayPage(page, alice.username, alice.password);
      await page.waitForURL((u) => u.pathname.startsWith('/auth/oidc/interaction/'));
      assert.match(await page.textContent('h1') ?? '', /Allow Wiki/);
      assert.deepEqual(await page.$$eval('#scopes li', (els) => els.map((e) => e.getAttribute('data-scope'))), ['openid', 'profile', 'email', 'groups']);
      await page.click('#allow');
      await page.waitForURL((u) => u.href.startsWith(`${rp.url}/cb`));
      assert.deepEqual(rp.errors, []);
      const result = rp.results.at(-1)!;
      assert.equal(result.idClaims.sub, String(alice.id));
      assert.equal(result.idClaims.preferred_username, alice.username);
      assert.deepEqual(result.idClaims.amr, ['pwd']);
      assert.equal(typeof result.idClaims.auth_time, 'number');
      assert.equal(result.authorizationIss, op.issuer, 'RFC 9207 iss in the authorization response');
      assert.equal(result.userinfo.sub, String(alice.id));
      assert.equal(result.userinfo.preferred_username, alice.username);
      assert.equal(result.userinfo.name, 'Alice A.');
      assert.equal(result.userinfo.email, 'alice@example.com');
      assert.equal(result.userinfo.email_verified, false, 'the user record holds no proof of the address');
      assert.deepEqual(result.userinfo.groups, [], 'the effective groups (alice has none), not the role');
      assert.match(await page.textContent('#claims') ?? '', new RegExp(alice.username));

      visited.length = 0;
      await page.goto(`${rp2.url}/login`);
      await page.waitForURL((u) => u.href.startsWith(`${rp2.url}/cb`));
      assert.deepEqual(rp2.errors, []);
      assert.equal(rp2.results.at(-1)!.idClaims.sub, String(alice.id));
      assert.ok(!visited.includes('/auth'), `no sign-in page on the second app: ${visited.join(' ')}`);
      await context.close();
    });

    test('the consent is remembered per user, client and scope set: the second sign-in to the same app asks nothing', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${rp.url}/login`);
      await signInOnGatewayPage(page, alice.username, alice.password);
      await page.waitForURL((u) => u.href.startsWith(`${rp.url}/cb`));
      assert.equal(rp.results.at(-1)!.idClaims.sub, String(alice.id));
      // A wider scope set is asked again.
      await page.goto(`${rp.url}/login?scope=${encodeURIComponent('openid profile email groups offline_access')}&prompt=consent`);
      await page.waitForURL((u) => u.pathname.startsWith('/auth/oidc/interaction/'));
      assert.ok(await page.$('#allow'), 'consent page for the wider scope set');
      await context.close();
    });

    test('RP-initiated logout ends the gateway session it came from (forward auth then 401s) and back at the app', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${rp2.url}/login`);
      await signInOnGatewayPage(page, alice.username, alice.password);
      await page.waitForURL((u) => u.href.startsWith(`${rp2.url}/cb`));
      const sso = (await context.cookies(op.url)).find((c) => c.name === 'sso_session')!;
      assert.ok(sso, 'the browser has a gateway session');
      const before = await op.gw.http.get('/auth/verify').set('Cookie', `sso_session=${sso.value}`).set('X-Original-URL', 'http://127.0.0.1/app');
      assert.equal(before.status, 200);
      const idToken = rp2.results.at(-1)!.idToken;

      await page.goto(`${rp.url}/login`); // sign in to the app with a post-logout URI too (consent: ONCE)
      await page.waitForURL((u) => u.href.startsWith(`${rp.url}/cb`) || u.pathname.startsWith('/auth/oidc/interaction/'));
      if (await page.$('#allow')) await page.click('#allow');
      await page.waitForURL((u) => u.href.startsWith(`${rp.url}/cb`));
      const wikiIdToken = rp.results.at(-1)!.idToken;
      assert.ok(idToken);
      const end = new URL(`${op.issuer}/session/end`);
      end.searchParams.set('id_token_hint', wikiIdToken);
      end.searchParams.set('post_logout_redirect_uri', rp.postLogoutUri);
      await page.goto(end.href);
      await page.click('#logout');
      await page.waitForURL(rp.postLogoutUri);
      const afterLogout = await op.gw.http.get('/auth/verify').set('Cookie', `sso_session=${sso.value}`).set('X-Original-URL', 'http://127.0.0.1/app');
      assert.equal(afterLogout.status, 401, 'the gateway session is over');
      const audit = await op.gw.http.get('/api/v1/audit-logs?event=oidc.logout').set(admin.auth);
      assert.equal(audit.body.auditLogs.length, 1);
      await context.close();
    });
  });
}

describe('OpenID Provider federated to an upstream provider (the real oidc-provider test IdP) [embedded]', () => {
  let browser: TestBrowser;
  let providers: Providers;
  let op: OpGateway;
  let rp: TestRp;
  let upstreamUid: string;

  before(async () => {
    providers = await startProviders();
    browser = await launchBrowser();
    op = await startOpGateway('embedded');
    const admin = await createAdmin(op.gw);
    upstreamUid = await createIdp(op.gw, admin, oidcIdpBody(providers.op, { title: 'Corporate SSO' }), 'corp');
    const port = await freePort();
    const client = await registerClient(op.gw, admin, { displayName: 'Wiki', redirectUris: [`http://127.0.0.1:${port}/cb`], consent: 'SKIP' });
    rp = await startTestRp(op.issuer, client, { port });
  });

  after(async () => {
    await browser?.close();
    await rp?.close();
    await op?.close();
    await providers?.stop();
  });

  test('the person clicks the upstream provider on the gateway page; the app gets an ID token for the auto-registered user with amr fed', async () => {
    const users = await op.gw.deps.store.users.count();
    const page = await browser.newPage();
    await page.goto(`${rp.url}/login`);
    await page.waitForURL((u) => u.pathname === '/auth');
    await page.click(`#sso-${upstreamUid}`);
    await page.waitForURL((u) => u.href.startsWith(providers.op.issuer));
    await page.fill('input[name="login"]', 'alice');
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');
    await page.waitForURL((u) => u.href.startsWith(`${rp.url}/cb`));
    assert.deepEqual(rp.errors, []);
    assert.equal(await op.gw.deps.store.users.count(), users + 1, 'auto-registered on first sign-in');
    const registered = await op.gw.deps.store.users.findByUsername('alice-sub');
    assert.ok(registered);
    const result = rp.results.at(-1)!;
    assert.equal(result.idClaims.sub, String(registered.id));
    assert.equal(result.idClaims.preferred_username, 'alice-sub');
    assert.deepEqual(result.idClaims.amr, ['fed']);
    await page.close();
  });
});

describe('a second gateway signs a person in with the first as its generic OIDC provider [embedded]', () => {
  let browser: TestBrowser;
  let first: OpGateway;
  let second: OpGateway;
  let person: { username: string; password: string };

  before(async () => {
    browser = await launchBrowser();
    first = await startOpGateway('embedded');
    second = await startOpGateway('embedded');
    const admin1 = await createAdmin(first.gw);
    person = await createUser(first.gw, { displayName: 'Dora' });
    const client = await registerClient(first.gw, admin1, { displayName: 'Gateway two', redirectUris: [`${second.url}/auth/callback`], consent: 'SKIP' });
    const admin2 = await createAdmin(second.gw);
    await createIdp(second.gw, admin2, {
      title: 'Gateway one',
      type: 'OAUTH2',
      identifierFilter: '',
      config: {
        oauth2Config: {
          clientId: client.clientId, clientSecret: client.clientSecret, issuer: first.issuer, scopes: ['openid', 'profile', 'email'],
          fieldMapping: { identifier: 'sub', displayName: 'name', email: 'email', avatarUrl: 'picture', username: 'preferred_username' },
        },
      },
    }, 'gw1');
  });

  after(async () => {
    await browser?.close();
    await second?.close();
    await first?.close();
  });

  test('the person clicks "Gateway one" on the second gateway, signs in on the first, and has a session on the second', async () => {
    const page = await browser.newPage();
    await page.goto(`${second.url}/auth`);
    await page.click('#sso-gw1');
    await page.waitForURL((u) => u.origin === first.url && u.pathname === '/auth');
    await signInOnGatewayPage(page, person.username, person.password);
    await page.waitForURL((u) => u.origin === second.url && !u.pathname.startsWith('/auth'));
    const sso = (await page.context().cookies(second.url)).find((c) => c.name === 'sso_session');
    assert.ok(sso, 'a gateway-two session');
    const verify = await second.gw.http.get('/auth/verify').set('Cookie', `sso_session=${sso.value}`).set('X-Original-URL', 'http://127.0.0.1/app');
    assert.equal(verify.status, 200);
    assert.equal(verify.headers['x-auth-request-user'], person.username, 'the username came from the first gateway\'s preferred_username');
    await page.close();
  });
});
