// The signed identity for upstream apps (issue 15 item 3): an allowed /auth/verify answer carries an ES256 JWT in
// GATEWAY_UPSTREAM_JWT_HEADER that an app verifies with jose against /.well-known/jwks.json, as an app would.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { rotateOidcSigningKeys } from '../../src/oidc-provider/signing-keys.js';
import { ASSERTION_LIFETIME_S, KEY_REFRESH_MS } from '../../src/upstream-identity/upstream-assertion.js';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { createAdmin, createSignedInUser, type SignedIn } from '../support/users.js';
import { APP, bearer, forwardAuthEnv, INSTANCE_URL, ssoCookie, verify, writeRulesFile, type RulesFile } from '../support/verify.js';

const HEADER = 'X-Auth-Request-Jwt';
const APP_HOST = new URL(APP).hostname;

async function publicKeys(gw: TestGateway) {
  const res = await gw.http.get('/.well-known/jwks.json');
  assert.equal(res.status, 200);
  const keys = res.body.keys as JWK[];
  assert.ok(keys.length > 0);
  for (const key of keys) assert.equal(key.d, undefined, `no private member in the published key ${key.kid}`);
  return createLocalJWKSet({ keys });
}

async function assertionFor(gw: TestGateway, who: SignedIn, url = `${APP}/notes`): Promise<string> {
  const res = await verify(gw, ssoCookie(who.jar.get('sso_session')!), url);
  assert.equal(res.status, 200);
  const jwt = res.headers[HEADER.toLowerCase()];
  assert.equal(typeof jwt, 'string', 'the allowed answer carries the assertion');
  return jwt as string;
}

for (const mode of STORAGE_MODES) {
  describe(`signed upstream identity [${mode}]`, () => {
    let gw: TestGateway;
    let rules: RulesFile;
    let user: SignedIn;
    let admin: SignedIn;

    before(async () => {
      rules = writeRulesFile();
      gw = await startTestGateway(mode, { env: forwardAuthEnv(rules, { GATEWAY_UPSTREAM_JWT_HEADER: HEADER }) });
      admin = await createAdmin(gw);
      user = await createSignedInUser(gw);
    });
    after(async () => {
      await gw?.close();
      rules?.remove();
    });

    test('an allowed answer carries an ES256 JWT that verifies against /.well-known/jwks.json with aud = the target host', async () => {
      const jwt = await assertionFor(gw, user);
      const { payload, protectedHeader } = await jwtVerify(jwt, await publicKeys(gw), {
        issuer: INSTANCE_URL,
        audience: APP_HOST,
        algorithms: ['ES256'],
        currentDate: gw.clock.now(),
      });
      assert.equal(protectedHeader.alg, 'ES256');
      assert.equal(payload.sub, String(user.userId));
      assert.equal(payload.preferred_username, user.username);
      assert.deepEqual(payload.groups, []);
      assert.ok(payload.exp! - payload.iat! <= 300, 'exp at most 5 minutes after iat');
      // A bearer credential gets one too, for the same host.
      const viaToken = await verify(gw, bearer(user.accessToken), `${APP}/`);
      assert.equal(decodeJwt(viaToken.headers[HEADER.toLowerCase()] as string).aud, APP_HOST);
    });

    test('the same session and host reuse one assertion; another host gets its own audience', async () => {
      const first = await assertionFor(gw, user);
      assert.equal(await assertionFor(gw, user), first, 'cached: not signed again');
      const other = await assertionFor(gw, user, 'https://wiki.example.test/');
      assert.notEqual(other, first);
      assert.equal(decodeJwt(other).aud, 'wiki.example.test');
    });

    test('a foreign-audience, forged or altered assertion fails verification', async () => {
      const jwt = await assertionFor(gw, user);
      const jwks = await publicKeys(gw);
      const at = { issuer: INSTANCE_URL, algorithms: ['ES256'], currentDate: gw.clock.now() };
      await assert.rejects(jwtVerify(jwt, jwks, { ...at, audience: 'wiki.example.test' }), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT({ preferred_username: 'admin', groups: ['admins'] })
        .setProtectedHeader({ alg: 'ES256', kid: decodeProtectedHeader(jwt).kid! })
        .setIssuer(INSTANCE_URL)
        .setAudience(APP_HOST)
        .setSubject('1')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      await assert.rejects(jwtVerify(forged, jwks, { ...at, audience: APP_HOST }), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
      const [head, , signature] = jwt.split('.');
      const altered = Buffer.from(JSON.stringify({ ...decodeJwt(jwt), preferred_username: 'admin' })).toString('base64url');
      await assert.rejects(jwtVerify(`${head}.${altered}.${signature}`, jwks, { ...at, audience: APP_HOST }), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    });

    test('the assertion carries the same groups as X-Auth-Request-Groups', async () => {
      const member = await createSignedInUser(gw);
      await gw.http.patch(`/api/v1/users/${member.userId}/groups`).set(admin.auth).send({ localGroups: ['eng', 'contractors'] }).expect(200);
      const res = await verify(gw, bearer(member.accessToken), 'https://groups.example.test/');
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-auth-request-groups'], 'contractors,eng');
      assert.deepEqual(decodeJwt(res.headers[HEADER.toLowerCase()] as string).groups, ['contractors', 'eng']);
    });

    test('after a key rotation an old assertion still verifies until it expires, and new ones use the new key', async () => {
      const old = await assertionFor(gw, user, 'https://old.example.test/');
      await rotateOidcSigningKeys(gw.deps.store.oidcKeys, gw.clock.now());
      gw.clock.advance(KEY_REFRESH_MS + 1000);
      const fresh = await assertionFor(gw, user, 'https://new.example.test/');
      assert.notEqual(decodeProtectedHeader(fresh).kid, decodeProtectedHeader(old).kid, 'the new key signs');
      const jwks = await publicKeys(gw);
      const at = { issuer: INSTANCE_URL, algorithms: ['ES256'], currentDate: gw.clock.now() };
      await jwtVerify(old, jwks, { ...at, audience: 'old.example.test' });
      await jwtVerify(fresh, jwks, { ...at, audience: 'new.example.test' });
      const expired = new Date(decodeJwt(old).exp! * 1000 + 1000);
      await assert.rejects(jwtVerify(old, jwks, { ...at, currentDate: expired, audience: 'old.example.test' }), { code: 'ERR_JWT_EXPIRED' });
      assert.ok(ASSERTION_LIFETIME_S <= 300);
    });
  });
}

describe('signed upstream identity, off by default', () => {
  let gw: TestGateway;
  let rules: RulesFile;
  before(async () => {
    rules = writeRulesFile();
    gw = await startTestGateway('embedded', { env: forwardAuthEnv(rules) });
  });
  after(async () => {
    await gw?.close();
    rules?.remove();
  });

  test('without GATEWAY_UPSTREAM_JWT_HEADER an allowed answer has no assertion header', async () => {
    await createAdmin(gw);
    const user = await createSignedInUser(gw);
    const res = await verify(gw, bearer(user.accessToken), `${APP}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers[HEADER.toLowerCase()], undefined);
  });
});
