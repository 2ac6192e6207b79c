// The gateway and a relying party as two separate OS processes (the gateway as `node src/main.ts`, its client from
// GATEWAY_OIDC_CLIENTS_FILE; the RP on openid-client in its own node): a signed-in person goes app → gateway
// authorize → back at the app, which exchanges the code over the network, verifies the ID token against the
// JWKS and reads userinfo.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { authorizeByFetch, type OpGateway } from '../support/oidc-op.js';
import { startGatewayProcess, type GatewayProcess } from '../support/process-gateway.js';
import { startRpProcess, type RpProcess } from '../support/rp-process.js';
import { freePort } from '../support/services.js';

const SECRET = 'two-process-secret-0123456789abcdef0123456789';

describe('OpenID Provider and relying party as separate processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-oidc-proc-'));
  let gateway: GatewayProcess;
  let rp: RpProcess;

  before(async () => {
    const rpPort = await freePort();
    const clientsFile = join(dir, 'clients.json');
    writeFileSync(clientsFile, JSON.stringify({
      clients: [{ clientId: 'proc-app', displayName: 'Process app', redirectUris: [`http://127.0.0.1:${rpPort}/cb`], consent: 'SKIP', clientSecret: SECRET }],
    }));
    gateway = await startGatewayProcess({ GATEWAY_OIDC_CLIENTS_FILE: clientsFile, GATEWAY_BCRYPT_COST: '4' }, 60_000, { direct: true });
    rp = await startRpProcess({ issuer: `${gateway.baseUrl}/oidc`, clientId: 'proc-app', clientSecret: SECRET, port: rpPort });
  });

  after(async () => {
    await rp?.stop();
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('sign-in through the gateway process ends at the RP process with a verified ID token and userinfo', async () => {
    assert.notEqual(rp.pid, gateway.child.pid);
    const created = await fetch(`${gateway.baseUrl}/api/v1/users`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'procuser', password: 'a-long-password-1' }),
    });
    assert.equal(created.status, 200, await created.text());
    const signin = await fetch(`${gateway.baseUrl}/api/v1/auth/signin`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ passwordCredentials: { username: 'procuser', password: 'a-long-password-1' } }),
    });
    assert.equal(signin.status, 200);
    const jar = new CookieJar();
    jar.store(signin.headers.getSetCookie());
    const userId = String(((await signin.json()) as { user: { name: string } }).user.name).split('/')[1];

    const login = await fetch(`${rp.url}/login`, { redirect: 'manual' });
    assert.equal(login.status, 302);
    const authorizeUrl = new URL(login.headers.get('location')!);
    assert.equal(authorizeUrl.origin + authorizeUrl.pathname, `${gateway.baseUrl}/oidc/auth`);
    const op = { url: gateway.baseUrl, issuer: `${gateway.baseUrl}/oidc` } as OpGateway;
    const outcome = await authorizeByFetch(op, jar, Object.fromEntries(authorizeUrl.searchParams));
    assert.ok(outcome.location, `left the gateway: ${outcome.status} ${outcome.body.slice(0, 300)}`);
    assert.equal(outcome.location.origin, rp.url, 'back at the app');
    const cb = await fetch(outcome.location);
    assert.equal(cb.status, 200, await cb.clone().text());
    assert.match(await cb.text(), /procuser/);

    const { results, errors, pid } = await rp.results();
    assert.deepEqual(errors, []);
    assert.equal(pid, rp.pid, 'answered by the RP process');
    assert.equal(results.length, 1);
    assert.equal(results[0]!.idClaims.sub, userId);
    assert.equal(results[0]!.idClaims.iss, `${gateway.baseUrl}/oidc`);
    assert.equal(results[0]!.userinfo.preferred_username, 'procuser');
    assert.equal(results[0]!.authorizationIss, `${gateway.baseUrl}/oidc`, 'RFC 9207 iss in the authorization response');
  });
});
