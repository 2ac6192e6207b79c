// Catalogue A1–A12: access tokens (JWT) at /auth/verify and on the API, on both storage modes.
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { SignJWT, exportJWK } from 'jose';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createSignedInUser, type SignedIn } from '../support/users.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

function sign(header: object, claims: object, secret: string, alg = 'sha256'): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac(alg, secret).update(input).digest('base64url')}`;
}

async function secretOf(gw: TestGateway): Promise<string> {
  return JSON.parse((await gw.deps.store.settings.find('BASIC'))!).secretKey as string;
}

for (const mode of STORAGE_MODES) {
  describe(`catalogue A: access tokens [${mode}]`, () => {
    let gw: TestGateway;
    let user: SignedIn;
    let secret: string;
    let claims: Record<string, unknown>;
    const header = { alg: 'HS256', kid: 'v1', typ: 'JWT' };

    beforeEach(async () => {
      gw = await startTestGateway(mode);
      await createAdmin(gw);
      user = await createSignedInUser(gw);
      secret = await secretOf(gw);
      claims = decode(user.accessToken.split('.')[1]!);
    });
    afterEach(() => gw.close());

    /** The token must be refused both by forward auth and by the API, with a JSON 401 on the API. */
    async function refused(token: string, label: string) {
      const api = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);
      assert.equal(api.status, 401, `${label}: API ${api.status}`);
      assert.equal(api.body.code, 16, label);
      const verify = await gw.http.get('/auth/verify').set('Authorization', `Bearer ${token}`);
      assert.ok(verify.status === 401 || verify.status === 403, `${label}: verify ${verify.status}`);
    }

    test('A0 control: the hand-signed copy of a real token passes, so the refusals below are about the change', async () => {
      const token = sign(header, claims, secret);
      assert.equal((await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`)).status, 200);
      assert.equal((await gw.http.get('/auth/verify').set('Authorization', `Bearer ${token}`)).status, 200);
    });

    test('A1 alg none in any spelling, with an empty or the original signature, is refused', async () => {
      const sig = user.accessToken.split('.')[2];
      for (const alg of ['none', 'None', 'NONE']) {
        const unsigned = `${b64({ ...header, alg })}.${b64(claims)}`;
        await refused(`${unsigned}.`, `${alg} empty`);
        await refused(`${unsigned}.${sig}`, `${alg} original signature`);
      }
    });

    test('A2 the same claims under HS384/HS512 with the real secret, or an RS256/ES256 header, are refused', async () => {
      await refused(sign({ ...header, alg: 'HS384' }, claims, secret, 'sha384'), 'HS384');
      await refused(sign({ ...header, alg: 'HS512' }, claims, secret, 'sha512'), 'HS512');
      await refused(sign({ ...header, alg: 'RS256' }, claims, secret), 'RS256 header');
      await refused(sign({ ...header, alg: 'ES256' }, claims, secret), 'ES256 header');
    });

    test('A3 an edited claim with the kept signature, truncated/extended signatures, a 4th segment, bad characters and padding are 401, never 500', async () => {
      const [h, p, s] = user.accessToken.split('.') as [string, string, string];
      const cases = [
        `${h}.${b64({ ...claims, role: 'ADMIN' })}.${s}`,
        `${h}.${b64({ ...claims, sub: '1' })}.${s}`,
        `${h}.${b64({ ...claims, exp: (claims.exp as number) + 3600 })}.${s}`,
        `${h}.${p}.${s.slice(0, -3)}`,
        `${h}.${p}.${s}AAAA`,
        `${h}.${p}.${s}.extra`,
        `${h}.${p}.${s.replace(/.$/, '*')}`,
        `${h}.${p}.${s}=`,
        `${h}=.${p}.${s}`,
      ];
      for (const token of cases) await refused(token, token.slice(-12));
    });

    test('A4 a missing, unknown or hostile kid is refused, and only a well-formed vN kid may trigger a (rate-limited) key reload', async () => {
      let reads = 0;
      const find = gw.deps.store.settings.find.bind(gw.deps.store.settings);
      gw.deps.store.settings.find = async (name) => {
        reads += 1;
        return find(name);
      };
      for (const kid of [undefined, '../../dev/null', "' OR 1=1 --", 'x'.repeat(10_000), 1, { a: 1 }]) {
        await refused(sign({ ...header, kid }, claims, secret), `kid ${String(kid).slice(0, 20)}`);
      }
      assert.equal(reads, 0, 'hostile kids never reach the database');
      await refused(sign({ ...header, kid: 'v2' }, claims, secret), 'kid v2');
      await refused(sign({ ...header, kid: 'v3' }, claims, secret), 'kid v3');
      assert.ok(reads <= 1, `${reads} key reloads for two unknown kids`);
    });

    test('A5 jku/x5u are never fetched and an embedded jwk/x5c attacker key is ignored', async () => {
      let canaryHits = 0;
      const canary: Server = createServer((_req, res) => {
        canaryHits += 1;
        res.end('{}');
      });
      await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(canary.address() as { port: number }).port}/jwks`;
      try {
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const forged = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', kid: 'v1', typ: 'JWT', jwk: await exportJWK(publicKey) })
          .sign(privateKey);
        await refused(forged, 'embedded jwk');
        const withJku = sign({ ...header, jku: url, x5u: url }, claims, secret);
        assert.equal((await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${withJku}`)).status, 200, 'our own HMAC still decides');
        await refused(sign({ ...header, jku: url }, claims, 'attacker-secret'), 'jku with a foreign signature');
        assert.equal(canaryHits, 0);
      } finally {
        canary.close();
      }
    });

    test('A6 a refresh token as bearer, an access token as refresh cookie, and a foreign IdP JWT are refused', async () => {
      await refused(user.jar.get('memos_refresh')!, 'refresh as bearer');
      const asCookie = await gw.http.post('/api/v1/auth/refresh').set('Cookie', `memos_refresh=${user.accessToken}`);
      assert.equal(asCookie.status, 401);
      const idpToken = sign({ alg: 'HS256', typ: 'JWT', kid: 'idp-1' }, { iss: 'https://accounts.example.com', aud: 'client', sub: '1' }, 'idp');
      await refused(idpToken, 'foreign IdP token');
    });

    test("A6 a refresh cookie with the live session's tid is refused for type access or the access audience: the refresh side's own checks", async () => {
      const real = decode(user.jar.get('memos_refresh')!.split('.')[1]!);
      assert.equal(typeof real.tid, 'string');
      const refreshWith = (changes: object) =>
        gw.http.post('/api/v1/auth/refresh').set('Cookie', `memos_refresh=${sign(header, { ...real, ...changes }, secret)}`);
      assert.equal((await refreshWith({ type: 'access' })).status, 401, 'type access, refresh audience, valid tid');
      assert.equal((await refreshWith({ aud: ['user.access-token'] })).status, 401, 'type refresh, access audience, valid tid');
      assert.equal((await refreshWith({ type: 'access', aud: ['user.access-token'] })).status, 401, 'both access-shaped');
      // Control: the same hand-signed claims unchanged rotate, so each refusal above is the type or audience alone.
      assert.equal((await refreshWith({})).status, 200, 'the unchanged hand-signed refresh token rotates');
    });

    test('A7 the type/audience discriminators are all required: swapped or missing type refused', async () => {
      await refused(sign(header, { ...claims, type: 'refresh' }, secret), 'type refresh + access aud');
      await refused(sign(header, { ...claims, aud: ['user.refresh-token'] }, secret), 'type access + refresh aud');
      const { type: _t, ...legacy } = claims;
      await refused(sign(header, legacy, secret), 'no type');
      await refused(sign({ ...header, typ: 'at+jwt' }, claims, secret), 'another typ');
    });

    test('A8 a wrong issuer, a missing audience, an extra audience or a differently cased audience are refused', async () => {
      await refused(sign(header, { ...claims, iss: 'gateway' }, secret), 'iss');
      const { aud: _a, ...noAud } = claims;
      await refused(sign(header, noAud, secret), 'no aud');
      await refused(sign(header, { ...claims, aud: ['user.access-token', 'evil'] }, secret), 'extra aud');
      await refused(sign(header, { ...claims, aud: ['User.Access-Token'] }, secret), 'case');
    });

    test('A9 exp missing or past, a lifetime over 15 minutes, or iat more than a minute ahead are refused; 30 s of iat skew passes', async () => {
      const now = Math.floor(gw.clock.now().getTime() / 1000);
      const { exp: _e, ...noExp } = claims;
      await refused(sign(header, noExp, secret), 'no exp');
      await refused(sign(header, { ...claims, iat: now - 1000, exp: now - 1 }, secret), 'expired');
      await refused(sign(header, { ...claims, iat: now, exp: now + 3600 }, secret), 'lifetime 1 h');
      await refused(sign(header, { ...claims, iat: now + 120, exp: now + 900 }, secret), 'iat 2 min ahead');
      const skewed = sign(header, { ...claims, iat: now + 30, exp: now + 900 }, secret);
      assert.equal((await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${skewed}`)).status, 200);
    });

    test('A10 a non-canonical sub never resolves to a user', async () => {
      for (const sub of ['01', '7abc', '1e3', ' 7', '-1', '0', `${claims.sub} `, '']) {
        await refused(sign(header, { ...claims, sub }, secret), `sub ${JSON.stringify(sub)}`);
      }
      // A canonical id of no user: the API (which reads the user) refuses it; stateless forward auth can only
      // name that id, never another user (only the server's own key can have signed it).
      const ghost = sign(header, { ...claims, sub: '2147483648' }, secret);
      assert.equal((await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${ghost}`)).status, 401);
      const verify = await gw.http.get('/auth/verify').set('Authorization', `Bearer ${ghost}`);
      assert.notEqual(verify.headers['x-auth-request-user-id'], String(user.userId));
    });

    test('A11 only the Authorization header counts: query and body tokens are ignored; odd spacing, two headers, Basic and junk are refused', async () => {
      assert.equal((await gw.http.get(`/api/v1/auth/me?access_token=${user.accessToken}`)).status, 401);
      assert.equal((await gw.http.get('/api/v1/auth/me').set('Authorization', `bearer ${user.accessToken}`)).status, 200, 'scheme is case-insensitive');
      for (const value of [`Bearer  ${user.accessToken}`, `Bearer ${user.accessToken} junk`, `Basic ${user.accessToken}`, `Bearer`, `Bearer\t${user.accessToken}`]) {
        const res = await gw.http.get('/api/v1/auth/me').set('Authorization', value);
        assert.equal(res.status, 401, JSON.stringify(value.slice(0, 12)));
        // Basic is for username:PAT only (issue 15), so its refusal carries the Basic challenge.
        const challenge = value.startsWith('Basic ') ? 'Basic realm="sso-gateway", charset="UTF-8"' : 'Bearer error="invalid_token"';
        assert.equal(res.headers['www-authenticate'], challenge);
      }
      // A well-formed raw request (Host, Connection: close), so the answer is the gateway's and not Node's parser's.
      const { head, portOf, rawExchange } = await import('../support/raw-http.js');
      const port = portOf(await gw.listen());
      const me = (authorizations: string[]) =>
        rawExchange(port, head('GET /api/v1/auth/me HTTP/1.1', [`Host: 127.0.0.1:${port}`, ...authorizations.map((a) => `Authorization: ${a}`), 'Connection: close']));
      const bearerLine = `Bearer ${user.accessToken}`;
      assert.equal((await me([bearerLine])).status, 200, 'control: the same raw request with one Authorization header is served');
      for (const pair of [[bearerLine, bearerLine], [bearerLine, 'Bearer nope'], ['Basic dTpw', bearerLine]]) {
        const two = await me(pair);
        assert.equal(two.status, 400, `two Authorization headers are refused (${pair[1]!.slice(0, 12)})`);
        assert.match(two.body, /"code":\s*3/);
      }
      const badBearerGoodCookie = await gw.http.get('/auth/verify').set('Authorization', 'Bearer nope').set('Cookie', `sso_session=${user.jar.get('sso_session')}`);
      assert.equal(badBearerGoodCookie.status, 401, 'an invalid bearer is not rescued by a valid cookie');
    });

    test('A12 the stored secret is a fresh random UUID per instance, and a missing or short stored secret stops the gateway', async () => {
      assert.match(secret, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const other = await startTestGateway(mode);
      try {
        assert.notEqual(await secretOf(other), secret);
      } finally {
        await other.close();
      }
      const { parseBasicSetting } = await import('../../src/auth/keys.js');
      assert.throws(() => parseBasicSetting('{}'), /no usable secretKey/);
      assert.throws(() => parseBasicSetting('{"secretKey":"usememos"}'), /no usable secretKey/);
    });
  });
}
