// Issue 13's "Must show" for TOTP and recovery codes through the JSON API, on both storage modes: enrolment,
// the password step's 401 SECOND_FACTOR_REQUIRED, secondFactorCredentials, replay and window refusals, the
// brute-force regulation, the mfaToken's single use and lifetime, step-up, and forward auth never seeing a
// half-finished sign-in.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { codeFor, enrollTotp, passwordStep, secondStep, TOTP_STEP_MS } from '../support/mfa.js';
import { createPat } from '../support/pats.js';
import { createAdmin, createSignedInUser, signIn, type SignedIn } from '../support/users.js';
import { CookieJar } from '../support/cookie-jar.js';
import { dumpDatabase } from '../support/db-dump.js';
import { forwardAuthEnv, verify } from '../support/verify.js';

const MINUTE = 60_000;

function assertSignedIn(res: { status: number; body: Record<string, any>; headers: Record<string, any> }, username: string) {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.user.username, username);
  assert.equal(typeof res.body.accessToken, 'string');
  const cookies = String(res.headers['set-cookie'] ?? '');
  assert.match(cookies, /memos_refresh=/);
  assert.match(cookies, /sso_session=/);
}

function assertRefused(res: { status: number; body: Record<string, any>; headers: Record<string, any> }, status: number, what: string) {
  assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.accessToken, undefined, what);
  assert.equal(res.headers['set-cookie'], undefined, `${what}: no cookie`);
}

for (const mode of STORAGE_MODES) {
  describe(`second factors: TOTP and recovery codes over the API [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    let user: SignedIn;
    let secret: string;
    let recoveryCodes: string[];
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: forwardAuthEnv(null) });
      admin = await createAdmin(gw);
      user = await createSignedInUser(gw);
      ({ secret, recoveryCodes } = await enrollTotp(gw, user));
    });
    afterEach(() => gw.close());

    test('TOTP end to end: enroll, confirm with a computed code, password → 401 SECOND_FACTOR_REQUIRED → secondFactorCredentials → tokens', async () => {
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.equal(recoveryCodes.length, 10);
      const res = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: user.username, password: user.password } });
      assertRefused(res, 401, 'password step');
      assert.deepEqual(Object.keys(res.body).sort(), ['code', 'details', 'message']);
      assert.equal(res.body.code, 16);
      assert.equal(res.body.message, 'second factor required');
      const [info] = res.body.details;
      assert.deepEqual(Object.keys(info).sort(), ['@type', 'domain', 'metadata', 'reason']);
      assert.equal(info['@type'], 'type.googleapis.com/google.rpc.ErrorInfo');
      assert.equal(info.reason, 'SECOND_FACTOR_REQUIRED');
      assert.equal(info.domain, 'sso-gateway');
      assert.equal(info.metadata.methods, 'TOTP,RECOVERY_CODE');
      assert.match(info.metadata.mfaToken, /^[A-Za-z0-9_-]{43}$/);
      const done = await secondStep(gw, { mfaToken: info.metadata.mfaToken, totpCode: codeFor(gw, secret) });
      assertSignedIn(done, user.username);
      const me = await gw.http.get('/api/v1/auth/me').set({ Authorization: `Bearer ${done.body.accessToken}` });
      assert.equal(me.status, 200);
    });

    test('a user without a factor signs in with the password alone, as before', async () => {
      const other = await createSignedInUser(gw);
      assert.ok(other.accessToken);
    });

    test('the same code again → refused, even within its window and with a fresh mfaToken', async () => {
      const code = codeFor(gw, secret);
      const first = await passwordStep(gw, user.username, user.password);
      assertSignedIn(await secondStep(gw, { mfaToken: first.mfaToken, totpCode: code }), user.username);
      gw.clock.advance(5000);
      const again = await passwordStep(gw, user.username, user.password);
      const replay = await secondStep(gw, { mfaToken: again.mfaToken, totpCode: code });
      assertRefused(replay, 401, 'replayed code');
      assert.equal(replay.body.message, 'invalid second factor code');
    });

    test('a code one step old is accepted; a code two steps old → refused', async () => {
      // Three steps on: two steps back is still newer than the step that confirmed the enrolment (not a replay).
      gw.clock.advance(3 * TOTP_STEP_MS);
      const step = await passwordStep(gw, user.username, user.password);
      assertRefused(await secondStep(gw, { mfaToken: step.mfaToken, totpCode: codeFor(gw, secret, -2) }), 401, 'two steps old');
      assertSignedIn(await secondStep(gw, { mfaToken: step.mfaToken, totpCode: codeFor(gw, secret, -1) }), user.username);
    });

    test('confirming an enrolment is regulated: the N+1th wrong confirming code → 429, even the right one', async () => {
      const max = gw.deps.config.regulation.perUser.maxFailures;
      const carol = await createSignedInUser(gw);
      const start = await gw.http.post('/api/v1/users/me/totp').set(carol.auth);
      assert.equal(start.status, 200);
      const right = codeFor(gw, start.body.secret);
      const wrong = right === '000000' ? '111111' : '000000';
      for (let i = 1; i <= max; i++) {
        const res = await gw.http.post('/api/v1/users/me/totp:confirm').set(carol.auth).send({ code: wrong });
        assert.equal(res.status, 400, `wrong confirming code ${i}`);
      }
      const banned = await gw.http.post('/api/v1/users/me/totp:confirm').set(carol.auth).send({ code: right });
      assert.equal(banned.status, 429, JSON.stringify(banned.body));
      assert.equal((await gw.deps.store.secondFactors.findTotp(carol.userId))?.state, 'PENDING', 'not activated');
    });

    test('the N+1th wrong code → 429, even with the right code, and a right password does not reset it', async () => {
      const max = gw.deps.config.regulation.perUser.maxFailures;
      const step = await passwordStep(gw, user.username, user.password);
      const right = codeFor(gw, secret);
      const wrong = right === '000000' ? '111111' : '000000';
      for (let i = 1; i <= max; i++) {
        assertRefused(await secondStep(gw, { mfaToken: step.mfaToken, totpCode: wrong }), 401, `wrong code ${i}`);
        if (i === 2) await passwordStep(gw, user.username, user.password); // a right password in between
      }
      const banned = await secondStep(gw, { mfaToken: step.mfaToken, totpCode: right });
      assertRefused(banned, 429, `code ${max + 1}`);
      assert.ok(Number(banned.headers['retry-after']) > 0);
      const rows = await gw.deps.store.auditLogs.list({ beforeId: null, limit: 50, event: 'mfa.failure' });
      assert.equal(rows.length, max);
      assert.equal((await gw.deps.store.auditLogs.list({ beforeId: null, limit: 5, event: 'mfa.banned' })).length, 1);
    });

    test('the mfaToken reused → 401; expired (5 minutes) → 401; another user\'s code does not fit it', async () => {
      const step = await passwordStep(gw, user.username, user.password);
      assertSignedIn(await secondStep(gw, { mfaToken: step.mfaToken, totpCode: codeFor(gw, secret) }), user.username);
      gw.clock.advance(TOTP_STEP_MS);
      const reused = await secondStep(gw, { mfaToken: step.mfaToken, totpCode: codeFor(gw, secret) });
      assertRefused(reused, 401, 'reused mfaToken');
      assert.equal(reused.body.message, 'invalid or expired mfaToken');

      const late = await passwordStep(gw, user.username, user.password);
      gw.clock.advance(5 * MINUTE);
      const expired = await secondStep(gw, { mfaToken: late.mfaToken, totpCode: codeFor(gw, secret) });
      assertRefused(expired, 401, 'expired mfaToken');
      assert.equal(expired.body.message, 'invalid or expired mfaToken');
      assertRefused(await secondStep(gw, { mfaToken: 'x'.repeat(43), totpCode: codeFor(gw, secret) }), 401, 'made-up mfaToken');
    });

    test('recovery code signs in once; the second use fails; the remaining count drops; regeneration kills old codes', async () => {
      const listed = async () => (await gw.http.get(`/api/v1/users/${user.userId}/secondFactors`).set(admin.auth)).body;
      assert.equal((await listed()).recoveryCodesRemaining, 10);
      const [code, other] = recoveryCodes as [string, string];
      const step = await passwordStep(gw, user.username, user.password);
      const used = await secondStep(gw, { mfaToken: step.mfaToken, recoveryCode: code.toUpperCase() });
      assertSignedIn(used, user.username);
      assert.equal(used.body.recoveryCodesRemaining, 9);
      assert.equal((await listed()).recoveryCodesRemaining, 9);
      const again = await passwordStep(gw, user.username, user.password);
      assertRefused(await secondStep(gw, { mfaToken: again.mfaToken, recoveryCode: code }), 401, 'second use');
      assert.equal((await listed()).recoveryCodesRemaining, 9);

      const fresh = await signInWithTotp(gw, user, secret);
      const regen = await gw.http.post('/api/v1/users/me/recoveryCodes').set(fresh.auth);
      assert.equal(regen.status, 200);
      assert.equal(regen.body.recoveryCodes.length, 10);
      const old = await passwordStep(gw, user.username, user.password);
      assertRefused(await secondStep(gw, { mfaToken: old.mfaToken, recoveryCode: other }), 401, 'a code of the old set');
      assertSignedIn(await secondStep(gw, { mfaToken: old.mfaToken, recoveryCode: regen.body.recoveryCodes[0] }), user.username);
      const audit = await gw.deps.store.auditLogs.list({ beforeId: null, limit: 10, event: 'mfa.recovery_code_used' });
      assert.deepEqual(audit.map((a) => a.detail.remaining), [9, 9]);
    });

    test('removing a factor with a 20-minute-old sign-in → 403; with a PAT → 403; with a fresh sign-in it goes', async () => {
      const fresh = await signInWithTotp(gw, user, secret);
      const pat = await createPat(gw, fresh);
      gw.clock.advance(20 * MINUTE);
      // The access token (15 minutes) is renewed by refresh; the session's sign-in stays 20 minutes old.
      const renewed = await gw.http.post('/api/v1/auth/refresh').set('Cookie', fresh.jar.header('memos_refresh'));
      assert.equal(renewed.status, 200);
      const old = await gw.http.delete('/api/v1/users/me/totp').set({ Authorization: `Bearer ${renewed.body.accessToken}` });
      assert.equal(old.status, 403);
      assert.match(old.body.message, /sign-in within the last 10 minutes/);
      const byPat = await gw.http.delete('/api/v1/users/me/totp').set(pat.auth);
      assert.equal(byPat.status, 403);
      assert.match(byPat.body.message, /interactive sign-in/);
      assert.equal((await gw.http.post('/api/v1/users/me/recoveryCodes').set(pat.auth)).status, 403, 'regenerating by PAT');
      assert.equal((await gw.http.post('/api/v1/users/me/totp').set(pat.auth)).status, 403, 'enrolling by PAT');
      assert.equal((await gw.deps.store.secondFactors.findTotp(user.userId))?.state, 'ACTIVE', 'still there');

      const now = await signInWithTotp(gw, user, secret);
      assert.equal((await gw.http.delete('/api/v1/users/me/totp').set(now.auth)).status, 200);
      const after = await gw.http.get('/api/v1/users/me/secondFactors').set(now.auth);
      assert.deepEqual(after.body, { totp: { enabled: false }, passkeys: [], recoveryCodesRemaining: 0 });
      await signIn(gw, user.username, user.password); // the password alone again
    });

    test('/auth/verify never sees a session whose second factor is pending; the mfaToken is useless there', async () => {
      const step = await passwordStep(gw, user.username, user.password);
      assert.equal((await verify(gw, { Authorization: `Bearer ${step.mfaToken}` })).status, 401);
      assert.equal((await verify(gw, { Cookie: `sso_session=${step.mfaToken}` })).status, 401);
      assert.equal((await gw.http.get('/api/v1/auth/me').set({ Authorization: `Bearer ${step.mfaToken}` })).status, 401);
      const sessions = await gw.http.get(`/api/v1/users/${user.userId}/sessions`).set(admin.auth);
      assert.equal(sessions.body.sessions.length, 1, 'only the sign-in made before TOTP was enrolled');
      const done = await secondStep(gw, { mfaToken: step.mfaToken, totpCode: codeFor(gw, secret) });
      const cookie = /sso_session=([^;]+)/.exec(String(done.headers['set-cookie']))![1]!;
      assert.equal((await verify(gw, { Cookie: `sso_session=${cookie}` })).status, 200, 'the finished sign-in passes');
    });

    test('the secret is stored encrypted, never returned after enrolment, and no audit row holds a code', async () => {
      const dump = JSON.stringify(await dumpDatabase(gw.storage));
      assert.ok(!dump.includes(secret), 'the TOTP secret is not in the database in clear');
      for (const code of recoveryCodes) assert.ok(!dump.includes(code) && !dump.includes(code.replace(/-/g, '')), 'no recovery code in clear');
      const listed = await gw.http.get('/api/v1/users/me/secondFactors').set(user.auth);
      assert.equal(listed.status, 200);
      assert.equal(listed.body.totp.enabled, true);
      assert.ok(!JSON.stringify(listed.body).includes(secret));
      const again = await gw.http.post('/api/v1/users/me/totp').set(user.auth);
      assert.equal(again.status, 400, 'an active TOTP is not replaced by a new enrolment');
      const events = (await gw.deps.store.auditLogs.list({ beforeId: null, limit: 100 })).map((a) => a.event);
      assert.ok(events.includes('mfa.enrolled'));
    });

    test('an admin resets a user\'s factors (audited); a user cannot reset anyone\'s', async () => {
      const other = await createSignedInUser(gw);
      assert.equal((await gw.http.delete(`/api/v1/users/${user.userId}/secondFactors`).set(other.auth)).status, 403);
      assert.equal((await gw.http.delete(`/api/v1/users/${user.userId}/secondFactors`).set(admin.auth)).status, 200);
      await signIn(gw, user.username, user.password);
      const [row] = await gw.deps.store.auditLogs.list({ beforeId: null, limit: 1, event: 'mfa.reset' });
      assert.equal(row?.actorUserId, admin.userId);
      assert.equal(row?.subjectUserId, user.userId);
    });
  });
}

/** Password + the current TOTP code: a fresh interactive sign-in. */
async function signInWithTotp(gw: TestGateway, who: SignedIn, secret: string): Promise<SignedIn> {
  gw.clock.advance(TOTP_STEP_MS);
  const step = await passwordStep(gw, who.username, who.password);
  const res = await secondStep(gw, { mfaToken: step.mfaToken, totpCode: codeFor(gw, secret) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const jar = new CookieJar();
  jar.store(res.headers['set-cookie']);
  return { ...who, jar, accessToken: res.body.accessToken, auth: { Authorization: `Bearer ${res.body.accessToken}` } };
}
