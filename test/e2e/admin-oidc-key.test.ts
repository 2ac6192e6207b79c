// `npm run admin -- rotate-oidc-key` against a running gateway's database: the new keys sign the next ID tokens
// once the gateway reloads its keys (at most a minute; forced here), and the old key stays in the JWKS so tokens
// it signed still verify.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { CookieJar } from '../support/cookie-jar.js';
import { ROOT } from '../support/process-gateway.js';
import { authorizeByFetch, pkcePair, postForm, registerClient, startOpGateway } from '../support/oidc-op.js';
import { createAdmin } from '../support/users.js';

const run = promisify(execFile);

test('npm run admin -- rotate-oidc-key: the new key signs, the old one still verifies, no key is printed', async () => {
  const op = await startOpGateway('embedded');
  try {
    const admin = await createAdmin(op.gw);
    const client = await registerClient(op.gw, admin, { displayName: 'K', redirectUris: ['http://127.0.0.1:9/cb'], consent: 'SKIP' });
    const jar = new CookieJar();
    jar.cookies.set('sso_session', admin.jar.cookies.get('sso_session')!);
    const idToken = async () => {
      const pkce = await pkcePair();
      const out = await authorizeByFetch(op, jar, { client_id: client.clientId, redirect_uri: 'http://127.0.0.1:9/cb', response_type: 'code', scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256' });
      const t = await postForm(`${op.issuer}/token`, { grant_type: 'authorization_code', code: out.location!.searchParams.get('code')!, redirect_uri: 'http://127.0.0.1:9/cb', code_verifier: pkce.verifier, client_id: client.clientId, client_secret: client.clientSecret! });
      return String(t.json.id_token);
    };
    const before = await idToken();
    const oldKid = decodeProtectedHeader(before).kid;
    const result = await run('npm', ['run', '--silent', 'admin', '--', 'rotate-oidc-key'], { cwd: ROOT, env: { ...process.env, ...op.gw.storage.env } });
    assert.match(result.stdout, /^rotated OpenID Provider keys: rs256-/m);
    assert.match(result.stdout, new RegExp(`^${oldKid}\\tRS256\\t.*verify-only since`, 'm'));
    assert.doesNotMatch(result.stdout, /"d"|PRIVATE/);
    op.gw.deps.oidc!.reloadKeys(); // what the once-a-minute check does
    const after = await idToken();
    const newKid = decodeProtectedHeader(after).kid;
    assert.notEqual(newKid, oldKid, 'the new key signs');
    const jwks = await (await fetch(`${op.issuer}/jwks`)).json() as JSONWebKeySet;
    assert.ok(jwks.keys.some((k) => k.kid === oldKid), 'the old key is still published');
    const keySet = createLocalJWKSet(jwks);
    await jwtVerify(before, keySet, { issuer: op.issuer });
    await jwtVerify(after, keySet, { issuer: op.issuer });
  } finally {
    await op.close();
  }
});
