// Security catalogue, group G: passwords and brute force (cases 64–72). One answer for every failed sign-in
// (and one cost: a bcrypt compare at the configured cost, a dummy hash for unknown users), bcrypt's 72-byte
// limit enforced in bytes, the account and address limits (counted before bcrypt, atomically, so bursts do
// not slip through; bans end by themselves), how usernames are keyed, bcrypt off the event loop, and odd JSON
// and SQL-looking input.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import bcrypt from 'bcrypt';
import { issueAccessToken } from '../../src/auth/access-token.js';
import { BCRYPT_CONCURRENCY, BCRYPT_MAX_WAITING } from '../../src/auth/passwords.js';
import { requireConfig } from '../../src/config.js';
import { RedisEphemeralStore } from '../../src/state/redis-store.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createUser, signIn, uniqueUsername, type SignedIn } from '../support/users.js';
import { countCalls, startCapturingGateway, type CapturingGateway } from '../support/capturing-gateway.js';
import { createSsoOnlyUser, startFakeProvider, type FakeProvider } from '../support/failing-oauth2-provider.js';

/** A fresh documentation address per attempt, so per-address counters stay out of the way unless a test wants them. */
let addressCounter = 0;
const freshIp = () => {
  addressCounter += 1;
  return `198.18.${Math.floor(addressCounter / 250) % 250}.${(addressCounter % 250) + 1}`;
};

type Res = { status: number; body: Record<string, unknown>; headers: Record<string, string | string[] | undefined>; text: string };

function attempt(gw: TestGateway, username: unknown, password: unknown, ip = freshIp()): Promise<Res> {
  return gw.http.post('/api/v1/auth/signin').set('X-Forwarded-For', ip).send({ passwordCredentials: { username, password } }) as unknown as Promise<Res>;
}

/** Status, body and every header except those that differ per request by design (date, request id). */
function answerOf(res: Res, ignore: string[] = []): Record<string, unknown> {
  const headers = Object.fromEntries(Object.entries(res.headers).filter(([name]) => !['date', 'x-request-id', ...ignore].includes(name)));
  return { status: res.status, body: res.body, headers };
}


/** Records the hash every bcrypt.compare is given (the call still happens). */
function spyCompares() {
  return mock.method(bcrypt, 'compare');
}

const LIMITS = {
  GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: '3',
  GATEWAY_SIGNIN_MAX_FAILURES_PER_IP: '1000',
  GATEWAY_REGULATION_WINDOW_SECONDS: '600',
  GATEWAY_REGULATION_BAN_SECONDS: '600',
};

async function archivedUser(gw: TestGateway, admin: SignedIn) {
  const u = await createUser(gw, {}, admin);
  const res = await gw.http.patch(`/api/v1/users/${u.id}`).set(admin.auth).send({ state: 'ARCHIVED' });
  assert.equal(res.status, 200);
  return u;
}

for (const mode of STORAGE_MODES) {
  describe(`G passwords and brute force [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    let provider: FakeProvider;
    const start = async (env: Record<string, string> = LIMITS) => {
      gw = await startTestGateway(mode, { env });
      admin = await createAdmin(gw);
    };
    beforeEach(async () => {
      provider = await startFakeProvider();
    });
    afterEach(async () => {
      mock.restoreAll();
      await gw?.close();
      await provider.stop();
    });

    test('G64 unknown user, wrong password, archived user and SSO-only user get one identical 401; banned known and unknown names one identical 429', async () => {
      await start();
      const user = await createUser(gw, {}, admin);
      const archived = await archivedUser(gw, admin);
      const ssoOnly = await createSsoOnlyUser(gw, admin, provider, `sso-${process.pid}`);
      const answers = {
        unknown: answerOf(await attempt(gw, uniqueUsername('nobody'), 'Summer2024!')),
        'wrong password': answerOf(await attempt(gw, user.username, 'Summer2024!')),
        'archived, wrong password': answerOf(await attempt(gw, archived.username, 'Summer2024!')),
        'SSO-only': answerOf(await attempt(gw, ssoOnly.username, 'Summer2024!')),
      };
      assert.equal(answers.unknown.status, 401);
      assert.deepEqual(answers.unknown.body, { code: 16, message: 'unmatched username and password', details: [] });
      assert.equal((answers.unknown.headers as Record<string, unknown>)['set-cookie'], undefined, 'no cookie on a failure');
      for (const [what, answer] of Object.entries(answers)) assert.deepEqual(answer, answers.unknown, what);

      // Banned: the account's counter is full; an unknown name's counter likewise. Same 429 for both.
      for (let i = 0; i < 2; i++) await attempt(gw, user.username, 'Summer2024!');
      const ghost = uniqueUsername('ghost');
      for (let i = 0; i < 3; i++) await attempt(gw, ghost, 'Summer2024!');
      const bannedKnown = await attempt(gw, user.username, user.password);
      const bannedUnknown = await attempt(gw, ghost, 'anything');
      assert.equal(bannedKnown.status, 429);
      assert.deepEqual(answerOf(bannedKnown, ['retry-after']), answerOf(bannedUnknown, ['retry-after']));
      for (const res of [bannedKnown, bannedUnknown]) {
        const wait = Number(res.headers['retry-after']);
        assert.ok(wait > 590 && wait <= 600, `Retry-After ${wait}`);
      }
      // Memos' documented answer for an archived account is given only to someone who knows its password.
      assert.equal((await attempt(gw, archived.username, archived.password)).status, 403);
    });

    test('G65 unknown, wrong-password, archived and SSO-only sign-ins each run exactly one bcrypt compare at the configured cost', async () => {
      await start();
      const user = await createUser(gw, {}, admin);
      const archived = await archivedUser(gw, admin);
      const ssoOnly = await createSsoOnlyUser(gw, admin, provider, `sso-${process.pid}`);
      const compares = spyCompares();
      const cost = gw.deps.config.bcryptCost;
      assert.ok(cost >= 10);
      for (const [what, name] of [['unknown', uniqueUsername('nobody')], ['wrong password', user.username], ['archived', archived.username], ['SSO-only', ssoOnly.username]] as const) {
        const before = compares.mock.callCount();
        assert.equal((await attempt(gw, name, 'not the password')).status, 401, what);
        assert.equal(compares.mock.callCount() - before, 1, `${what}: one compare`);
        const hash = String(compares.mock.calls.at(-1)!.arguments[1]);
        assert.equal(bcrypt.getRounds(hash), cost, `${what}: compared against a hash of cost ${cost}`);
      }
    });

    test('G66 a password over 72 bytes is refused at set time with a byte-based message; a different tail after 72 bytes never signs in', async () => {
      await start();
      const ascii80 = 'p'.repeat(80);
      const emoji80 = '😀'.repeat(20); // 20 characters, 80 bytes
      for (const password of [ascii80, emoji80]) {
        const create = await gw.http.post('/api/v1/users').set(admin.auth).send({ username: uniqueUsername(), password });
        assert.equal(create.status, 400);
        assert.match(String(create.body.message), /72 bytes/);
        const change = await gw.http.patch('/api/v1/users/me').set(admin.auth).send({ password, oldPassword: admin.password });
        assert.equal(change.status, 400);
        assert.match(String(change.body.message), /72 bytes/);
      }
      const exact = 'p'.repeat(72);
      const emoji72 = '😀'.repeat(18);
      for (const password of [exact, emoji72]) {
        const u = await createUser(gw, { password }, admin);
        assert.equal((await attempt(gw, u.username, password)).status, 200, 'exactly 72 bytes signs in');
        assert.equal((await attempt(gw, u.username, `${password}x`)).status, 401, 'same 72 bytes, another tail');
        assert.equal((await attempt(gw, u.username, `${password}${'😀'.repeat(5)}`)).status, 401);
      }
    });

    test('G67 64 ASCII characters and 24 CJK characters (72 bytes) work; longer is 400; a 1 MB password is refused before any hashing', async () => {
      await start();
      const sixtyFour = 'correct-horse-'.repeat(5).slice(0, 64);
      const cjk24 = '密'.repeat(24);
      for (const password of [sixtyFour, cjk24]) {
        const u = await createUser(gw, { password }, admin);
        assert.equal((await attempt(gw, u.username, password)).status, 200);
        const row = await gw.deps.store.users.findById(u.id);
        const match = /^\$2b\$(\d\d)\$/.exec(row!.passwordHash);
        assert.ok(match, 'a $2b$ bcrypt hash is stored');
        assert.ok(Number(match[1]) >= 10, `cost ${match[1]}`);
      }
      for (const password of ['x'.repeat(129), '密'.repeat(25), '密'.repeat(64)]) {
        const res = await gw.http.post('/api/v1/users').set(admin.auth).send({ username: uniqueUsername(), password });
        assert.equal(res.status, 400, `${password.length} characters`);
      }
      const hashes = mock.method(bcrypt, 'hash');
      const compares = spyCompares();
      const huge = 'x'.repeat(1024 * 1024);
      const create = await gw.http.post('/api/v1/users').set(admin.auth).send({ username: uniqueUsername(), password: huge });
      assert.equal(create.status, 413);
      const signin = await attempt(gw, admin.username, huge);
      assert.equal(signin.status, 413);
      const overSchema = await attempt(gw, admin.username, 'y'.repeat(2000));
      assert.equal(overSchema.status, 400, 'fits the 4 kB body cap, not the 1024-character field');
      assert.equal(hashes.mock.callCount(), 0, 'no bcrypt hash ran');
      assert.equal(compares.mock.callCount(), 0, 'no bcrypt compare ran');
      assert.equal(requireConfig({}).bcryptCost, 10, 'the default cost is 10');
    });

    test('G68 one account from rotating addresses: only the limit is evaluated, then 429 even for the right password, before bcrypt', async () => {
      await start();
      const victim = await createUser(gw, {}, admin);
      const compares = spyCompares();
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await attempt(gw, victim.username, `guess-${i}`)).status);
      assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
      assert.equal(compares.mock.callCount(), 3, 'three passwords evaluated, whatever the number of addresses');
      const right = await attempt(gw, victim.username, victim.password);
      assert.equal(right.status, 429, 'the right password during the ban still fails');
      assert.equal(right.headers['set-cookie'], undefined);
      assert.equal(compares.mock.callCount(), 3, 'and is never compared');
    });

    test('G68 a burst of concurrent guesses on one account from many addresses is held to the limit as well', async () => {
      await start();
      const victim = await createUser(gw, {}, admin);
      const compares = spyCompares();
      const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(gw, victim.username, `burst-${i}`)));
      const statuses = burst.map((r) => r.status);
      assert.ok(compares.mock.callCount() <= 3, `${compares.mock.callCount()} compares for 20 concurrent guesses`);
      assert.equal(statuses.filter((s) => s === 401).length, compares.mock.callCount());
      assert.equal(statuses.filter((s) => s === 429).length, 20 - compares.mock.callCount());
      assert.equal((await attempt(gw, victim.username, victim.password)).status, 429);
    });

    test('G68 a ban ends by itself: the right password works again once the ban time has passed', async () => {
      await start({ ...LIMITS, GATEWAY_REGULATION_WINDOW_SECONDS: '2', GATEWAY_REGULATION_BAN_SECONDS: '2' });
      const victim = await createUser(gw, {}, admin);
      for (let i = 0; i < 3; i++) await attempt(gw, victim.username, 'wrong');
      assert.equal((await attempt(gw, victim.username, victim.password)).status, 429);
      await new Promise((resolve) => setTimeout(resolve, 2300));
      assert.equal((await attempt(gw, victim.username, victim.password)).status, 200, 'no permanent lockout');
    });

    test('G68 with the shipped defaults an account gets at most 100 evaluated failures per hour, and a gateway started without settings applies them', async () => {
      await start({}); // no regulation variables at all: what `npm start` ships
      const shipped = requireConfig({}).regulation.perUser;
      // Each cycle is at most maxFailures evaluated attempts followed by a ban of banSeconds.
      const perHour = shipped.maxFailures * Math.ceil(3600 / shipped.banSeconds);
      assert.ok(perHour <= 100, `${perHour} per hour`);
      assert.deepEqual(gw.deps.regulation.limits.perUser, shipped, 'the shipped limit is the one applied');
      // And it bites: maxFailures wrong guesses are evaluated, the next attempt (even the right password) is not.
      const victim = await createUser(gw, {}, admin);
      const compares = spyCompares();
      for (let i = 0; i < shipped.maxFailures; i++) assert.equal((await attempt(gw, victim.username, `guess-${i}`)).status, 401);
      assert.equal((await attempt(gw, victim.username, victim.password)).status, 429);
      assert.equal(compares.mock.callCount(), shipped.maxFailures);
    });

    test('G69 spraying: one address, many usernames, one password is cut by the per-address limit and audited', async () => {
      await start({ ...LIMITS, GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: '100', GATEWAY_SIGNIN_MAX_FAILURES_PER_IP: '6' });
      const real = await createUser(gw, {}, admin);
      const sprayer = '203.0.113.66';
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await attempt(gw, i === 3 ? real.username : `sprayed-${i}-${process.pid}`, 'Winter2025!', sprayer)).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429]);
      assert.equal((await attempt(gw, real.username, real.password, sprayer)).status, 429, 'even a real account from that address');
      assert.equal((await attempt(gw, real.username, real.password)).status, 200, 'other addresses are unaffected');
      const audit = await gw.http.get('/api/v1/audit-logs?event=signin.banned&pageSize=100').set(admin.auth);
      const fromSprayer = audit.body.auditLogs.filter((e: { ipAddress: string }) => e.ipAddress === sprayer);
      assert.equal(fromSprayer.length, 7, 'each refused attempt is an audit entry (the alert source)');
    });

    test('G69 stuffing: many addresses, two tries each, on one user trips the per-user counter and is audited', async () => {
      await start();
      const victim = await createUser(gw, {}, admin);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const ip = `192.0.2.${i + 10}`;
        statuses.push((await attempt(gw, victim.username, `leaked-${i}-a`, ip)).status, (await attempt(gw, victim.username, `leaked-${i}-b`, ip)).status);
      }
      assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 429]);
      assert.ok(statuses.slice(3).every((s) => s === 429));
      const audit = await gw.http.get('/api/v1/audit-logs?event=signin.banned&pageSize=100').set(admin.auth);
      const entries = audit.body.auditLogs as { subject: string; subjectUserId: number; ipAddress: string }[];
      assert.equal(entries.length, 21);
      assert.ok(entries.every((e) => e.subject === victim.username && e.subjectUserId === victim.id));
      assert.ok(new Set(entries.map((e) => e.ipAddress)).size >= 10, 'the entries show the spread of addresses');
    });

    test('G70 usernames are case-sensitive: Admin, ADMIN and ádmin never sign in as the admin and do not lock it', async () => {
      await start();
      const name = admin.username; // admin-<pid>-<n>, lower case
      for (const variant of [name[0]!.toUpperCase() + name.slice(1), name.toUpperCase(), `á${name.slice(1)}`]) {
        for (let i = 0; i < 4; i++) assert.notEqual((await attempt(gw, variant, admin.password)).status, 200, variant);
      }
      assert.equal((await attempt(gw, name, admin.password)).status, 200, 'the real account is not locked by other names');
    });

    test('G70 a trailing space never reaches the account on either database (exact match after the PAD SPACE query), nor locks it', async () => {
      await start();
      const victim = await createUser(gw, {}, admin);
      const padded = `${victim.username} `;
      assert.equal((await attempt(gw, padded, victim.password)).status, 401, 'the padded name is another (unknown) name');
      for (let i = 0; i < 3; i++) assert.equal((await attempt(gw, padded, 'wrong')).status === 200, false);
      // Its failures count on the unknown-name counter, never on the real account.
      assert.equal((await attempt(gw, victim.username, victim.password)).status, 200);
    });

    test('G70 an unknown name and its case/space variants share one counter, and that counter expires', async () => {
      await start({ ...LIMITS, GATEWAY_REGULATION_WINDOW_SECONDS: '2', GATEWAY_REGULATION_BAN_SECONDS: '2' });
      const ghost = uniqueUsername('ghost');
      for (const variant of [ghost, ghost.toUpperCase(), ` ${ghost[0]!.toUpperCase()}${ghost.slice(1)} `]) {
        assert.equal((await attempt(gw, variant, 'x')).status, 401, variant);
      }
      assert.equal((await attempt(gw, `${ghost}  `, 'x')).status, 429, 'the fourth variant finds the shared counter full');
      if (gw.deps.ephemeral instanceof RedisEphemeralStore) {
        const ttl = await gw.deps.ephemeral.client.pttl(`reg:user:name:${ghost}`);
        assert.ok(ttl > 0 && ttl <= 2000, `the Redis counter has a TTL (${ttl} ms)`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2300));
      assert.equal((await attempt(gw, ghost, 'x')).status, 401, 'counted afresh after expiry');
    });

    test('G71 forty concurrent failing sign-ins from one address run at most the per-address limit of compares; the rest are 429', async () => {
      await start({ ...LIMITS, GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: '100', GATEWAY_SIGNIN_MAX_FAILURES_PER_IP: '6' });
      const compares = spyCompares();
      const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(gw, `flood-${i}-${process.pid}`, 'x', '203.0.113.99')));
      assert.ok(compares.mock.callCount() <= 6, `${compares.mock.callCount()} compares`);
      assert.equal(burst.filter((r) => r.status === 429).length, 40 - compares.mock.callCount());
    });

    test('G71 a flood of failing sign-ins from many addresses runs at most two bcrypt jobs at once, and past the queue bound is 429', async () => {
      await start({ ...LIMITS, GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: '1000' });
      const original = bcrypt.compare.bind(bcrypt);
      let inFlight = 0;
      let most = 0;
      mock.method(bcrypt, 'compare', async (data: string, hash: string) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          return await original(data, hash);
        } finally {
          inFlight -= 1;
        }
      });
      const n = BCRYPT_CONCURRENCY + BCRYPT_MAX_WAITING + 40;
      const flood = await Promise.all(Array.from({ length: n }, (_, i) => attempt(gw, `flood-${i}-${process.pid}`, 'x')));
      const refused = flood.filter((r) => r.status === 429);
      assert.equal(refused.length + flood.filter((r) => r.status === 401).length, n);
      assert.ok(most <= BCRYPT_CONCURRENCY, `${most} compares at once`);
      assert.ok(refused.length >= 1, 'a flood past the queue bound is refused');
      assert.equal(refused[0]!.headers['retry-after'], '1');
      assert.equal((await attempt(gw, admin.username, admin.password)).status, 200, 'and sign-in works once it has passed');
    });

    test('G71 during a sign-in flood, /auth/verify with a never-seen access token is answered while most sign-ins still wait', async () => {
      // jose checks JWTs with WebCrypto, which queues on the same libuv pool as bcrypt: without the bcrypt cap the
      // check would wait behind the whole flood (seconds). Counted, not timed: how many sign-ins had finished.
      await start({ ...LIMITS, GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: '1000' });
      const user = (await gw.deps.store.users.findById(admin.userId))!;
      gw.clock.advance(2000);
      const [session] = await gw.deps.store.sessions.listActiveByUser(admin.userId, gw.clock.now());
      const fresh = (await issueAccessToken(gw.deps.keys, user, session!.id, gw.clock.now())).token;
      const checks = countCalls(gw.deps.passwords, 'verify');
      let finished = 0;
      const flood = Array.from({ length: 40 }, (_, i) => attempt(gw, `wave-${i}-${process.pid}`, 'x').then((r) => ((finished += 1), r)));
      // Every sign-in has asked for its password check (without the cap, all 40 would now sit in libuv's queue).
      for (let waited = 0; checks.count() < 40 && waited < 20_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      checks.restore();
      assert.equal(checks.count(), 40);
      const res = await gw.http.get('/auth/verify').set('Authorization', `Bearer ${fresh}`);
      const finishedAtVerify = finished;
      await Promise.all(flood);
      assert.equal(res.status, 200);
      assert.ok(finishedAtVerify < 20, `${finishedAtVerify} of 40 sign-ins had finished when verify answered`);
    });

    test('G71 bcrypt runs off the event loop: during 20 concurrent failing sign-ins another request is answered while most still wait', async () => {
      // Counted, not timed: a compare on the event loop (bcryptjs, compareSync) would finish every queued sign-in
      // before the loop could answer anything else.
      await start({ ...LIMITS, GATEWAY_BCRYPT_COST: '12', GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: '1000' });
      const user = await createUser(gw, {}, admin);
      const checks = countCalls(gw.deps.passwords, 'verify');
      let finished = 0;
      const flood = Array.from({ length: 20 }, (_, i) => attempt(gw, i % 2 ? user.username : `nobody-${i}`, 'wrong').then((r) => ((finished += 1), r)));
      for (let waited = 0; checks.count() < 20 && waited < 20_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      checks.restore();
      assert.equal(checks.count(), 20, 'every sign-in has asked for its compare');
      const health = await gw.http.get('/healthz');
      const finishedAtHealth = finished;
      const results = await Promise.all(flood);
      assert.equal(health.status, 200);
      assert.ok(results.every((r) => r.status === 401));
      assert.ok(finishedAtHealth < 10, `${finishedAtHealth} of 20 sign-ins had finished when /healthz answered`);
    });
  });
}

for (const mode of STORAGE_MODES) {
  describe(`G72 odd credentials [${mode}]`, () => {
    let gw: CapturingGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startCapturingGateway(mode, { logLevel: 'debug' });
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    test('G72 arrays, objects, booleans and numbers as credentials are 400 or 401, never 500 or a sign-in', async () => {
      const bodies: unknown[] = [
        { passwordCredentials: { username: admin.username, password: ['x'] } },
        { passwordCredentials: { username: admin.username, password: { $ne: null } } },
        { passwordCredentials: { username: admin.username, password: true } },
        { passwordCredentials: { username: 1, password: admin.password } },
        { passwordCredentials: { username: { $gt: '' }, password: admin.password } },
        { passwordCredentials: { username: [admin.username], password: [admin.password] } },
        { password: ['x'] },
        { password: { $ne: null } },
        { username: 1 },
        { passwordCredentials: [admin.username, admin.password] },
      ];
      for (const body of bodies) {
        const res = await gw.http.post('/api/v1/auth/signin').send(body as object);
        assert.ok(res.status === 400 || res.status === 401, `${JSON.stringify(body)}: ${res.status}`);
        assert.equal(res.body.accessToken, undefined);
        assert.equal(res.headers['set-cookie'], undefined);
      }
    });

    test('G72 SQL-looking usernames match nobody (parameterised SQL), and attempts are audited (without the unknown name) and logged without the password', async () => {
      const marker = `pw-${randomBytes(8).toString('hex')}`;
      const names = [`${admin.username}' -- `, "admin' -- ", "' OR '1'='1", `${admin.username}" OR 1=1 -- `, `${admin.username}'; DROP TABLE user; --`];
      for (const name of names) {
        const res = await attempt(gw, name, marker);
        assert.equal(res.status, 401, name);
        assert.deepEqual(res.body, { code: 16, message: 'unmatched username and password', details: [] });
        assert.equal((await attempt(gw, name, admin.password)).status, 401, `${name} with the admin's password`);
      }
      assert.equal((await signIn(gw, admin.username, admin.password)).userId, admin.userId, 'the user table is intact');
      const audit = await gw.http.get('/api/v1/audit-logs?event=signin.failure&pageSize=100').set(admin.auth);
      // Audited without the typed name: it names no account, and a typed name may be a password (issue 9 item 15).
      const rows = audit.body.auditLogs as { subject: string; subjectUserId: number | null }[];
      assert.equal(rows.filter((e) => e.subjectUserId === null && e.subject === '').length, names.length * 2, 'every attempt is audited');
      for (const name of names) assert.ok(!rows.some((e) => e.subject === name), `${JSON.stringify(name)} is not stored`);
      const everything = gw.logs() + JSON.stringify(audit.body);
      assert.ok(!everything.includes(marker), 'the password tried is in no log line or audit row');
      assert.ok(!everything.includes(admin.password), "nor is the admin's password");
    });
  });
}
