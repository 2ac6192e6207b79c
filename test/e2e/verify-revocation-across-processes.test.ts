// The verify caches against what must end a credential at once: two real gateway processes on one MariaDB and
// one Redis, caches warm on both (each credential verified twice on each), then a revoked session, a deleted
// PAT, an archived user, an expired token and a rotated-away key are refused on the process that saw the change
// from the next request, and on the other one within the relay's bound (Redis pub/sub: 1 s here), which is
// shorter than the caches' own 4 s lifetime, so only the relay can make it pass.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignJWT, decodeJwt } from 'jose';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { startGatewayProcess, type GatewayProcess } from '../support/process-gateway.js';
import { testRedisUrl, uniqueKeyPrefix } from '../support/redis.js';
import { sleep } from '../support/services.js';
import { openStore, type Store } from '../../src/store/store.js';

/** The documented bound for another process (README: forward auth, GATEWAY_WORKERS). */
const OTHER_PROCESS_BOUND_MS = 1000;
const PASSWORD = 'a password long enough 1';

let db: TestDatabase;
let store: Store;
let a: GatewayProcess;
let b: GatewayProcess;
let admin: { token: string };

async function call(gw: GatewayProcess, method: string, path: string, token: string | null, body?: unknown): Promise<Response> {
  return fetch(`${gw.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function signIn(gw: GatewayProcess, username: string) {
  const res = await call(gw, 'POST', '/api/v1/auth/signin', null, { passwordCredentials: { username, password: PASSWORD } });
  assert.equal(res.status, 200, await res.clone().text());
  const { accessToken } = (await res.json()) as { accessToken: string };
  const cookie = res.headers.getSetCookie().map((c) => /^sso_session=([^;]+)/.exec(c)?.[1]).find((v) => v !== undefined)!;
  return { accessToken, cookie };
}

async function newUser(prefix: string) {
  const username = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  const res = await call(a, 'POST', '/api/v1/users', admin.token, { username, password: PASSWORD });
  assert.equal(res.status, 200, await res.clone().text());
  const id = Number(((await res.json()) as { name: string }).name.split('/')[1]);
  return { id, username, ...(await signIn(a, username)) };
}

type Credential = { bearer: string } | { cookie: string };

async function verify(gw: GatewayProcess, credential: Credential): Promise<number> {
  const res = await fetch(`${gw.baseUrl}/auth/verify`, {
    headers: {
      'x-original-url': `${gw.baseUrl}/app/`,
      accept: '*/*',
      ...('bearer' in credential ? { authorization: `Bearer ${credential.bearer}` } : { cookie: `sso_session=${credential.cookie}` }),
    },
  });
  await res.arrayBuffer();
  return res.status;
}

/** Both processes answer 200, twice: every cache on the way (token, session liveness, cookie, PAT) is filled. */
async function warm(...credentials: Credential[]): Promise<void> {
  for (const c of credentials) for (const gw of [a, b, a, b]) assert.equal(await verify(gw, c), 200, `warm-up on ${gw.port}`);
}

/** The status `gw` answers within `boundMs` once it stops being 200 (or the last 200). */
async function refusedWithin(gw: GatewayProcess, credential: Credential, boundMs: number): Promise<number> {
  const deadline = Date.now() + boundMs;
  let status = await verify(gw, credential);
  while (status === 200 && Date.now() < deadline) {
    await sleep(20);
    status = await verify(gw, credential);
  }
  return status;
}

async function assertRefusedEverywhere(what: string, ...credentials: Credential[]): Promise<void> {
  for (const c of credentials) {
    assert.equal(await verify(a, c), 401, `${what}: refused at once on the process that saw the change`);
    assert.equal(await refusedWithin(b, c, OTHER_PROCESS_BOUND_MS), 401, `${what}: refused within ${OTHER_PROCESS_BOUND_MS} ms on the other process`);
  }
}

before(async () => {
  db = await createTestDatabase();
  store = await openStore({ kind: 'mysql', url: db.url, poolSize: 2 });
  const env = { GATEWAY_DATABASE_URL: db.url, GATEWAY_REDIS_URL: testRedisUrl(), GATEWAY_REDIS_KEY_PREFIX: uniqueKeyPrefix('relay'), GATEWAY_BCRYPT_COST: '4' };
  // One after the other: the first migrates the empty database.
  a = await startGatewayProcess(env, 30_000, { direct: true });
  b = await startGatewayProcess(env, 30_000, { direct: true });
  const first = await call(a, 'POST', '/api/v1/users', null, { username: 'relay-admin', password: PASSWORD });
  assert.equal(first.status, 200);
  admin = { token: (await signIn(a, 'relay-admin')).accessToken };
});

after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await store?.close();
  await db?.drop();
});

test('verify, when a session is revoked on one process, refuses its token and cookie there at once and on the other within the bound', async () => {
  const user = await newUser('revoked');
  await warm({ bearer: user.accessToken }, { cookie: user.cookie });
  const sessionId = String(decodeJwt(user.accessToken).sid);
  const out = await call(a, 'DELETE', `/api/v1/users/${user.id}/sessions/${sessionId}`, user.accessToken);
  assert.equal(out.status, 200, await out.text());
  await assertRefusedEverywhere('revoked session', { bearer: user.accessToken }, { cookie: user.cookie });
});

test('verify, when a PAT is deleted on one process, refuses it there at once and on the other within the bound', async () => {
  const user = await newUser('pat');
  const created = await call(a, 'POST', `/api/v1/users/${user.id}/personalAccessTokens`, user.accessToken, { description: 'relay' });
  assert.equal(created.status, 200, await created.clone().text());
  const pat = (await created.json()) as { token: string; personalAccessToken: { name: string } } & Record<string, unknown>;
  const listed = (await (await call(a, 'GET', `/api/v1/users/${user.id}/personalAccessTokens`, user.accessToken)).json()) as { personalAccessTokens: { name: string }[] };
  const tokenId = listed.personalAccessTokens[0]!.name.split('/').pop()!;
  await warm({ bearer: pat.token });
  const deleted = await call(a, 'DELETE', `/api/v1/users/${user.id}/personalAccessTokens/${tokenId}`, user.accessToken);
  assert.equal(deleted.status, 200, await deleted.text());
  await assertRefusedEverywhere('deleted PAT', { bearer: pat.token });
});

test('verify, when a user is archived on one process, refuses their token, cookie and PAT there at once and on the other within the bound', async () => {
  const user = await newUser('archived');
  const created = await call(a, 'POST', `/api/v1/users/${user.id}/personalAccessTokens`, user.accessToken, { description: 'relay' });
  const pat = ((await created.json()) as { token: string }).token;
  await warm({ bearer: user.accessToken }, { cookie: user.cookie }, { bearer: pat });
  const archived = await call(a, 'PATCH', `/api/v1/users/${user.id}?updateMask=state`, admin.token, { state: 'ARCHIVED' });
  assert.equal(archived.status, 200, await archived.text());
  await assertRefusedEverywhere('archived user', { bearer: user.accessToken }, { cookie: user.cookie }, { bearer: pat });
});

/** The BASIC row as stored: v1's secret, and the keys rotation added. */
async function basic(): Promise<{ secretKey: string; rotatedKeys?: { kid: string; secret: string; createdAt: string }[] } & Record<string, unknown>> {
  return JSON.parse((await store.settings.find('BASIC'))!) as never;
}

test('verify refuses a cached access token once it has expired, on both processes', async () => {
  const user = await newUser('expiring');
  const claims = decodeJwt(user.accessToken);
  // The same claims and key as a real token, but a lifetime of about two seconds.
  const iat = Math.floor(Date.now() / 1000);
  const short = await new SignJWT({ ...claims, iat, exp: iat + 2 })
    .setProtectedHeader({ alg: 'HS256', kid: 'v1', typ: 'JWT' })
    .sign(new TextEncoder().encode((await basic()).secretKey));
  await warm({ bearer: short });
  await sleep((iat + 2) * 1000 - Date.now() + 50);
  assert.equal(await verify(a, { bearer: short }), 401, 'expired: refused on one process');
  assert.equal(await verify(b, { bearer: short }), 401, 'expired: refused on the other');
  assert.equal(await verify(a, { bearer: user.accessToken }), 200, 'a live token still passes');
});

test('verify, when the key that signed a cached token is rotated away, refuses it there at once and on the other within the bound', async () => {
  const user = await newUser('rotated');
  assert.equal(decodeJwt(user.accessToken).sid !== undefined, true);
  await warm({ bearer: user.accessToken });
  // v1 retires a full overlap after its successor appeared: record a successor made 31 days ago, then rotate on
  // one process (which reloads its ring and tells the other).
  const before = (await store.settings.find('BASIC'))!;
  const row = JSON.parse(before) as Record<string, unknown>;
  const longAgo = new Date(Date.now() - 31 * 24 * 60 * 60 * 1000).toISOString();
  row.rotatedKeys = [{ kid: 'v2', secret: 'an old successor secret, 32 bytes!!', createdAt: longAgo }];
  assert.equal(await store.settings.compareAndSet('BASIC', before, JSON.stringify(row)), true);
  const rotated = await call(a, 'POST', '/api/v1/instance/signing-keys', admin.token, {});
  assert.equal(rotated.status, 200, await rotated.text());
  await assertRefusedEverywhere('rotated-away key', { bearer: user.accessToken });
});
