// Security catalogue, group C: personal access tokens (cases 27–32). How they are made (CSPRNG, format,
// entropy), kept (SHA-256 only, nowhere in logs, audit rows or error bodies), when they stop working (expiry,
// revocation, archived owner), how junk is refused (before any lookup, never 500), what a PAT may not do, and
// how guessing is cut off (the app's token-guessing regulation; nginx's limit_req in front of /auth/verify).
import assert from 'node:assert/strict';
import crypto, { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { syncBuiltinESMExports } from 'node:module';
import { after, afterEach, before, beforeEach, describe, mock, test } from 'node:test';
import { generatePatSecret } from '../../src/auth/personal-access-token.js';
import { constantTimeEqual, sha256Hex } from '../../src/auth/secrets.js';
import { PAT_CACHE_TTL_MS } from '../../src/forward-auth/pat-check.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { APP_HOST, nginxRequest, startNginx, type NginxHandle } from '../support/nginx.js';
import { createPat } from '../support/pats.js';
import { freePort } from '../support/services.js';
import { createAdmin, createSignedInUser, type SignedIn } from '../support/users.js';
import { countCalls, dumpDatabase, startCapturingGateway, substringsOf, type CapturingGateway } from '../support/capturing-gateway.js';
import { head, portOf, rawExchange } from '../support/raw-http.js';

const PAT_FORMAT = /^memos_pat_[A-Za-z0-9]{32}$/;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DAY = 24 * 60 * 60 * 1000;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A well-formed PAT nobody was given. */
function randomPat(): string {
  const bytes = randomBytes(32);
  return `memos_pat_${[...bytes].map((b) => ALPHABET[b % 62]).join('')}`;
}

function assertInvalidToken(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }, what: string): void {
  assert.equal(res.status, 401, what);
  assert.equal(res.body.code, 16, what);
  assert.deepEqual(res.body.details, [], what);
  assert.match(String(res.headers['www-authenticate']), /invalid_token/, what);
}

const verify = (gw: TestGateway, headers: Record<string, string>) => gw.http.get('/auth/verify').set(headers);

test('C27 generated PATs match ^memos_pat_[A-Za-z0-9]{32}$, are unique, uniform over 62 characters, ~190 bits', () => {
  const tokens = Array.from({ length: 10_000 }, () => generatePatSecret());
  for (const token of tokens) assert.match(token, PAT_FORMAT);
  assert.equal(new Set(tokens).size, tokens.length, 'no duplicates among 10 000');
  assert.ok(32 * Math.log2(62) > 190, '32 draws from 62 symbols carry more than 190 bits (a UUID has 122)');
  // Uniformity: every character is used at every position, and overall counts are near 1/62 each (a modulo-biased
  // or mostly-constant generator fails one of the two; the bounds are ~10 standard deviations wide).
  const overall = new Map<string, number>();
  for (let position = 10; position < 42; position++) {
    const seen = new Set(tokens.map((t) => t[position]!));
    assert.equal(seen.size, 62, `all 62 characters appear at position ${position}`);
  }
  for (const token of tokens) for (const ch of token.slice(10)) overall.set(ch, (overall.get(ch) ?? 0) + 1);
  const expected = (tokens.length * 32) / 62;
  for (const [ch, count] of overall) assert.ok(Math.abs(count - expected) < expected * 0.15, `character ${ch}: ${count} vs ${expected.toFixed(0)}`);
});

for (const mode of STORAGE_MODES) {
  describe(`C personal access tokens [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    let user: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      admin = await createAdmin(gw);
      user = await createSignedInUser(gw);
    });
    afterEach(() => gw.close());

    test('C27 a PAT created through the API is 32 draws of crypto.randomInt(62), and an RNG failure aborts creation (no fallback)', async () => {
      const draws = mock.method(crypto, 'randomInt');
      syncBuiltinESMExports();
      let pat: Awaited<ReturnType<typeof createPat>>;
      try {
        pat = await createPat(gw, user);
      } finally {
        draws.mock.restore();
        syncBuiltinESMExports();
      }
      assert.match(pat.token, PAT_FORMAT);
      assert.equal(draws.mock.callCount(), 32, 'one CSPRNG draw per character');
      for (const call of draws.mock.calls) assert.deepEqual(call.arguments, [62]);

      const broken = mock.method(crypto, 'randomInt', () => {
        throw new Error('entropy source unavailable');
      });
      syncBuiltinESMExports();
      let res;
      try {
        res = await gw.http.post('/api/v1/users/me/personalAccessTokens').set(user.auth).send({ description: 'during an RNG failure' });
      } finally {
        broken.mock.restore();
        syncBuiltinESMExports();
      }
      assert.equal(res.status, 500);
      assert.deepEqual(res.body, { code: 13, message: 'internal error', details: [] });
      const list = await gw.http.get('/api/v1/users/me/personalAccessTokens').set(user.auth);
      assert.deepEqual(
        list.body.personalAccessTokens.map((p: { description: string }) => p.description),
        ['CI/CD Pipeline'],
        'nothing was stored for the failed creation',
      );
    });

    test('C29 a PAT whose expiry passed one second ago is 401 at the API and at /auth/verify (both shapes)', async () => {
      const modern = await createPat(gw, user, { description: 'one day', expiresInDays: 1 });
      const legacyRes = await gw.http
        .post('/api/v1/users/me/access_tokens')
        .set(user.auth)
        .send({ name: 'one minute', expiresAt: new Date(gw.clock.now().getTime() + 60_000).toISOString() });
      assert.equal(legacyRes.status, 200);
      const legacy = legacyRes.body.accessToken as string;
      for (const token of [modern.token, legacy]) {
        assert.equal((await gw.http.get('/api/v1/auth/me').set(bearer(token))).status, 200);
        assert.equal((await verify(gw, bearer(token))).status, 200, 'verify accepts it (and caches it) before expiry');
      }
      gw.clock.advance(60_000 + 1000);
      assertInvalidToken(await gw.http.get('/api/v1/auth/me').set(bearer(legacy)), 'older shape, expired 1 s ago');
      assert.equal((await verify(gw, bearer(legacy))).status, 401);
      gw.clock.advance(DAY - 60_000);
      assertInvalidToken(await gw.http.get('/api/v1/auth/me').set(modern.auth), 'expired 1 s ago');
      assert.equal((await verify(gw, modern.auth)).status, 401);
    });

    test('C29 a revoked PAT is 401 on the very next call here, and on another replica once its cache entry ends (≤ 5 s)', async () => {
      const replica = await startTestGateway(mode, { storage: gw.storage });
      try {
        const pat = await createPat(gw, user);
        assert.equal((await verify(gw, pat.auth)).status, 200);
        assert.equal((await verify(replica, pat.auth)).status, 200, 'the other replica caches the PAT');
        const revoke = await gw.http.delete(`/api/v1/users/me/personalAccessTokens/${pat.tokenId}`).set(user.auth);
        assert.equal(revoke.status, 200);
        assertInvalidToken(await gw.http.get('/api/v1/auth/me').set(pat.auth), 'revoked, same replica, API');
        assert.equal((await verify(gw, pat.auth)).status, 401, 'revoked, same replica, verify: no positive cache left');
        assertInvalidToken(await replica.http.get('/api/v1/auth/me').set(pat.auth), 'revoked, other replica, API (no cache there)');
        assert.ok(PAT_CACHE_TTL_MS <= 5000, `the verify cache lives ${PAT_CACHE_TTL_MS} ms, within the documented 5 s`);
        replica.clock.advance(PAT_CACHE_TTL_MS);
        assert.equal((await verify(replica, pat.auth)).status, 401, 'revoked, other replica, verify, after the cache TTL');
      } finally {
        await replica.close();
      }
    });

    test('C29 a PAT of an archived user is 401 at once at the API and at /auth/verify', async () => {
      const pat = await createPat(gw, user);
      assert.equal((await verify(gw, pat.auth)).status, 200);
      const archive = await gw.http.patch(`/api/v1/users/${user.userId}`).set(admin.auth).send({ state: 'ARCHIVED' });
      assert.equal(archive.status, 200);
      assertInvalidToken(await gw.http.get('/api/v1/auth/me').set(pat.auth), 'archived owner');
      assert.equal((await verify(gw, pat.auth)).status, 401);
    });

    test('C30 malformed PATs (31/33 chars, non-ASCII, upper-case prefix, 8 KB, prefix + JWT) are 401 with no lookup, API and verify', async () => {
      const pat = await createPat(gw, user);
      const lookups = countCalls(gw.deps.store.personalAccessTokens, 'findByHash');
      try {
        const cases: Record<string, string> = {
          '31 characters': pat.token.slice(0, -1),
          '33 characters': `${pat.token}A`,
          'Latin-1 character': `memos_pat_é${pat.token.slice(11)}`,
          'upper-case prefix': pat.token.replace('memos_pat_', 'MEMOS_PAT_'),
          '8 KB value': `memos_pat_${'a'.repeat(8 * 1024)}`,
          'prefix + access JWT': `memos_pat_${user.accessToken}`,
          'prefix only': 'memos_pat_',
        };
        for (const [what, token] of Object.entries(cases)) {
          const api = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);
          assert.equal(api.status, 401, `API: ${what}`);
          assert.equal(api.body.code, 16, `API: ${what}`);
          const fwd = await verify(gw, { Authorization: `Bearer ${token}` });
          assert.equal(fwd.status, 401, `verify: ${what}`);
        }
        assert.equal(lookups.count(), 0, 'no malformed token reached the database');
        assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 200);
        assert.equal(lookups.count(), 1, 'the well-formed one is looked up once');
      } finally {
        lookups.restore();
      }
    });

    test('C30 bytes no client library sends (NUL, raw UTF-8) in a PAT header are refused without a 500, over a real socket (the Node HTTP parser answers NUL with 400: this guards its strict settings, no insecureHTTPParser; raw UTF-8 reaches the PAT check of the gateway)', async () => {
      const port = portOf(await gw.listen());
      const pat = await createPat(gw, user);
      const lookups = countCalls(gw.deps.store.personalAccessTokens, 'findByHash');
      try {
        const headers = [
          Buffer.concat([Buffer.from('Authorization: Bearer memos_pat_'), Buffer.from([0]), Buffer.from(pat.token.slice(11))]),
          Buffer.concat([Buffer.from('Authorization: Bearer memos_pat_'), Buffer.from('€', 'utf8'), Buffer.from(pat.token.slice(13))]),
        ];
        for (const path of ['/api/v1/auth/me', '/auth/verify']) {
          for (const header of headers) {
            const res = await rawExchange(port, [`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`, header, '\r\n\r\n']);
            assert.ok(res.status === 400 || res.status === 401, `${path}: ${res.status} ${res.text.slice(0, 80)}`);
          }
        }
        assert.equal(lookups.count(), 0);
        const alive = await rawExchange(port, head('GET /healthz HTTP/1.1', ['Host: 127.0.0.1', 'Connection: close']));
        assert.equal(alive.status, 200, 'the process still answers');
      } finally {
        lookups.restore();
      }
    });

    test('C30 an unknown PAT and an expired PAT get the same answer and do the same work', async () => {
      const expired = await createPat(gw, user, { description: 'short', expiresInDays: 1 });
      gw.clock.advance(DAY + 1000);
      const unknown = randomPat();
      const tokenLookups = countCalls(gw.deps.store.personalAccessTokens, 'findByHash');
      const userLookups = countCalls(gw.deps.store.users, 'findById');
      try {
        const work = async (token: string) => {
          const [tokensBefore, usersBefore] = [tokenLookups.count(), userLookups.count()];
          const api = await gw.http.get('/api/v1/auth/me').set(bearer(token));
          const fwd = await verify(gw, bearer(token));
          return {
            api: { status: api.status, body: api.body, www: api.headers['www-authenticate'] },
            verify: { status: fwd.status, www: fwd.headers['www-authenticate'], location: fwd.headers.location, length: fwd.headers['content-length'] },
            tokenLookups: tokenLookups.count() - tokensBefore,
            userLookups: userLookups.count() - usersBefore,
          };
        };
        const forUnknown = await work(unknown);
        const forExpired = await work(expired.token);
        assert.deepEqual(forExpired, forUnknown);
        assert.equal(forUnknown.api.status, 401);
        assert.equal(forUnknown.tokenLookups, 2, 'one indexed lookup per request, for both');
        assert.equal(forUnknown.userLookups, 0, 'neither reads the owner');
      } finally {
        tokenLookups.restore();
        userLookups.restore();
      }
      assert.equal(constantTimeEqual(sha256Hex('a'), 'short'), false, 'a length mismatch is a plain false, not a throw');
    });

    test('C31 a PAT cannot create PATs, change password or email, or mint access/refresh tokens; it may list and revoke', async () => {
      const pat = await createPat(gw, user);
      const modern = await gw.http.post(`/api/v1/users/${user.userId}/personalAccessTokens`).set(pat.auth).send({ description: 'minted by a PAT' });
      assert.equal(modern.status, 403);
      const legacy = await gw.http.post('/api/v1/users/me/access_tokens').set(pat.auth).send({ name: 'minted by a PAT' });
      assert.equal(legacy.status, 403);
      const password = await gw.http.patch('/api/v1/users/me').set(pat.auth).send({ password: 'a brand new password' });
      assert.equal(password.status, 403);
      const email = await gw.http.patch(`/api/v1/users/${user.userId}`).set(pat.auth).send({ email: 'attacker@example.test' });
      assert.equal(email.status, 403);
      const masked = await gw.http.patch('/api/v1/users/me?updateMask=password').set(pat.auth).send({ password: 'another new password' });
      assert.equal(masked.status, 403);
      const refresh = await gw.http.post('/api/v1/auth/refresh').set(pat.auth);
      assert.equal(refresh.status, 401, 'a PAT is no refresh credential');
      const signin = await gw.http.post('/api/v1/auth/signin').set(pat.auth).send({});
      assert.equal(signin.status, 400, 'sign-in ignores the bearer and needs credentials');
      for (const res of [modern, legacy, password, email, masked, refresh, signin]) {
        assert.equal(res.body.accessToken, undefined);
        assert.equal(res.body.token, undefined);
        assert.equal(res.headers['set-cookie'], undefined, 'no session cookie minted');
      }
      // Nothing changed: the old password still signs in, the email is untouched, no second PAT exists.
      const me = await gw.http.get('/api/v1/auth/me').set(user.auth);
      assert.equal(me.body.user.email, '');
      assert.equal((await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: user.username, password: user.password } })).status, 200);
      const list = await gw.http.get('/api/v1/users/me/personalAccessTokens').set(pat.auth);
      assert.equal(list.status, 200, 'a PAT may list');
      assert.equal(list.body.totalSize, 1);
      const other = await createPat(gw, user, { description: 'second' });
      assert.equal((await gw.http.delete(`/api/v1/users/me/personalAccessTokens/${other.tokenId}`).set(pat.auth)).status, 200, 'a PAT may revoke');
      // The same changes are allowed to the interactive sign-in, so the refusals above are about the PAT.
      assert.equal((await gw.http.patch('/api/v1/users/me').set(user.auth).send({ email: 'owner@example.test' })).status, 200);
    });

    test('C32 random PATs from one address are 429 after the configured misses, checked before any database lookup', async () => {
      const limited = await startTestGateway(mode, { env: { GATEWAY_TOKEN_MAX_FAILURES_PER_IP: '5', GATEWAY_REGULATION_BAN_SECONDS: '600' } });
      try {
        await createAdmin(limited);
        const owner = await createSignedInUser(limited);
        const pat = await createPat(limited, owner);
        const lookups = countCalls(limited.deps.store.personalAccessTokens, 'findByHash');
        try {
          const attacker = { 'X-Forwarded-For': '203.0.113.77' };
          for (let i = 0; i < 5; i++) {
            assert.equal((await limited.http.get('/api/v1/auth/me').set(attacker).set(bearer(randomPat()))).status, 401, `miss ${i + 1}`);
          }
          const refused = [];
          for (let i = 0; i < 20; i++) refused.push(await limited.http.get('/api/v1/auth/me').set(attacker).set(bearer(randomPat())));
          for (const res of refused) {
            assert.equal(res.status, 429);
            assert.equal(res.body.code, 8);
            assert.ok(Number(res.headers['retry-after']) > 0);
          }
          assert.equal(lookups.count(), 5, 'only the misses before the ban reached the database');
          assert.equal((await limited.http.get('/api/v1/auth/me').set(attacker).set(pat.auth)).status, 429, 'even a real PAT from the banned address');
          assert.equal(lookups.count(), 5);
          assert.equal((await limited.http.get('/api/v1/auth/me').set({ 'X-Forwarded-For': '198.51.100.8' }).set(pat.auth)).status, 200, 'other addresses are unaffected');
        } finally {
          lookups.restore();
        }
      } finally {
        await limited.close();
      }
    });
  });
}

for (const mode of STORAGE_MODES) {
  describe(`C28 where a PAT may appear [${mode}]`, () => {
    let gw: CapturingGateway;
    before(async () => {
      gw = await startCapturingGateway(mode);
    });
    after(() => gw.close());

    test('C28 the database holds only the SHA-256 of each PAT; logs, audit rows and later responses hold no part of one', async () => {
      const admin = await createAdmin(gw);
      const user = await createSignedInUser(gw);
      const modern = await createPat(gw, user);
      const legacyRes = await gw.http.post('/api/v1/users/me/access_tokens').set(user.auth).send({ name: 'older shape' });
      assert.equal(legacyRes.status, 200);
      const legacy = legacyRes.body.accessToken as string;
      const tokens = [modern.token, legacy];

      // Every later exchange a PAT takes part in: use, list, misuse, revoke, use after revoke.
      const later: { status: number; text: string; headers: Record<string, string> }[] = [];
      const record = async (req: PromiseLike<{ status: number; text: string; headers: Record<string, string> }>) => {
        const res = await req;
        later.push({ status: res.status, text: res.text, headers: res.headers });
        return res;
      };
      for (const token of tokens) {
        await record(gw.http.get('/api/v1/auth/me').set(bearer(token)));
        await record(gw.http.get('/auth/verify').set(bearer(token)));
        await record(gw.http.get('/api/v1/users/me/personalAccessTokens').set(bearer(token)));
        await record(gw.http.get('/api/v1/users/me/access_tokens').set(bearer(token)));
        await record(gw.http.get(`/api/v1/users/${admin.userId}/personalAccessTokens`).set(bearer(token)));
        await record(gw.http.get('/api/v1/no-such-route').set(bearer(token)));
        await record(gw.http.get('/api/v1/auth/me').set(bearer(`${token}x`)));
        await record(gw.http.get('/api/v1/auth/me').set(bearer(token.slice(0, -1))));
        await record(gw.http.post('/api/v1/users/me/personalAccessTokens').set(bearer(token)).send({ description: 'x' }));
        await record(gw.http.post('/api/v1/auth/signin').set(bearer(token)).send({ passwordCredentials: { username: user.username, password: 'wrong' } }));
      }
      const databaseWhileLive = await dumpDatabase(gw.storage);
      for (const token of tokens) assert.ok(databaseWhileLive.includes(sha256Hex(token)), 'the row holds the SHA-256 (hex) of the whole token');
      await record(gw.http.delete(`/api/v1/users/me/personalAccessTokens/${modern.tokenId}`).set(modern.auth));
      await record(gw.http.delete(`/api/v1/users/me/access_tokens/${legacyRes.body.tokenId as string}`).set(user.auth));
      for (const token of tokens) {
        await record(gw.http.get('/api/v1/auth/me').set(bearer(token)));
        await record(gw.http.get('/auth/verify').set(bearer(token)));
      }
      assert.ok(later.some((r) => r.status === 200) && later.some((r) => r.status === 401) && later.some((r) => r.status >= 403));
      const audit = await gw.http.get('/api/v1/audit-logs?pageSize=500').set(admin.auth);
      assert.equal(audit.status, 200);
      assert.ok(audit.body.auditLogs.length > 0, 'the audit trail has entries to search');
      const database = await dumpDatabase(gw.storage);
      const logs = gw.logs();
      assert.ok(logs.length > 0, 'the gateway logged (level trace)');

      const haystacks: Record<string, string> = {
        logs,
        'audit rows': JSON.stringify(audit.body),
        'database while the tokens lived': databaseWhileLive,
        'database after revocation': database,
        'later responses': JSON.stringify(later),
      };
      for (const token of tokens) {
        for (const part of substringsOf(token.slice('memos_pat_'.length), 12)) {
          for (const [where, text] of Object.entries(haystacks)) assert.ok(!text.includes(part), `a 12-character piece of a PAT is in the ${where}`);
        }
      }
    });
  });
}

describe('C32 random PATs at /auth/verify through the shipped nginx', () => {
  let gw: TestGateway;
  let app: Server;
  let nginx: NginxHandle;
  let httpsPort: number;
  before(async () => {
    gw = await startTestGateway('mariadb', { env: { GATEWAY_INSTANCE_URL: 'https://auth.example.test', GATEWAY_ALLOWED_REDIRECT_HOSTS: '.example.test' } });
    const gatewayPort = portOf(await gw.listen());
    app = createServer((_req, res) => res.end('app'));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    httpsPort = await freePort();
    // The shipped app_req zone allows 50 r/s per client (a burst of 200); 1 r/s here makes the cut independent of
    // how fast this machine sends: everything past the burst within a few seconds is over the rate.
    nginx = await startNginx({
      gatewayPort,
      appPort: (app.address() as AddressInfo).port,
      httpsPort,
      httpPort: await freePort(),
      statusPort: await freePort(),
      rateLimits: { app_req: '60r/m' },
    });
  });
  after(async () => {
    await nginx?.stop();
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
    await gw?.close();
  });

  test('C32 a flood of random PATs from one client gets 429 from nginx, the gateway looks up only what got through, and nginx logs it', async () => {
    const lookups = countCalls(gw.deps.store.personalAccessTokens, 'findByHash');
    const statuses: number[] = [];
    try {
      for (let batch = 0; batch < 13; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 20 }, () => nginxRequest(httpsPort, { host: APP_HOST, path: '/api/items', headers: bearer(randomPat()) })),
        );
        statuses.push(...answers.map((a) => a.status));
      }
    } finally {
      lookups.restore();
    }
    const limited = statuses.filter((s) => s === 429).length;
    const denied = statuses.filter((s) => s === 401).length;
    assert.equal(limited + denied, statuses.length, `only 401 and 429: ${[...new Set(statuses)].join(',')}`);
    assert.ok(limited >= 20, `${limited} of ${statuses.length} refused by nginx`);
    assert.equal(lookups.count(), denied, 'each request that got through cost one lookup; the refused ones none');
    const { readFile } = await import('node:fs/promises');
    assert.match(await readFile(nginx.errorLog, 'utf8'), /limiting requests.*zone "app_req"/, 'nginx logs the limiting (the alert source)');
  });
});
