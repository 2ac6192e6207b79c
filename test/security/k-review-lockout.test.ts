// Issue 9, outside review, on both storage modes: R6 strangers cannot lock an account out of a client that signed
// in before (the device cookie), guessing stays bounded, and an admin can lift a ban; R7 two admins demoting each
// other at once leave one admin; R8 with password sign-in off a refused attempt resets nothing; R15 the audit log
// keeps a typed username only when it names an account, and the IP key counts each client once however its
// address is spelt.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { parseSetCookie } from 'cookie';
import { accountKey } from '../../src/auth/regulation.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { setGeneral } from '../support/sso.js';
import { createAdmin, createUser, signIn, uniqueUsername, type SignedIn } from '../support/users.js';

const LIMITS = {
  GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: '3',
  GATEWAY_SIGNIN_MAX_FAILURES_PER_IP: '1000',
  GATEWAY_REGULATION_WINDOW_SECONDS: '600',
  GATEWAY_REGULATION_BAN_SECONDS: '600',
};

let addressCounter = 0;
/** A fresh documentation address per call, so per-address counters stay out of the way unless a test wants them. */
const freshIp = () => {
  addressCounter += 1;
  return `198.18.${Math.floor(addressCounter / 250) % 250}.${(addressCounter % 250) + 1}`;
};

interface AttemptOptions {
  ip?: string;
  /** The device cookie to present (the `sso_device` value). */
  device?: string | undefined;
}

function attempt(gw: TestGateway, username: string, password: string, options: AttemptOptions = {}) {
  const req = gw.http.post('/api/v1/auth/signin').set('X-Forwarded-For', options.ip ?? freshIp());
  if (options.device) req.set('Cookie', `sso_device=${options.device}`);
  return req.send({ passwordCredentials: { username, password } });
}

/** Locks `username` for strangers: as many wrong guesses as the per-account limit, each from its own address. */
async function lockOut(gw: TestGateway, username: string) {
  for (let i = 0; i < 3; i++) assert.equal((await attempt(gw, username, `stranger-guess-${i}`)).status, 401);
  assert.equal((await attempt(gw, username, 'one more')).status, 429, 'the account is locked for strangers');
}

const deviceOf = (u: SignedIn) => {
  const device = u.jar.get('sso_device');
  assert.ok(device, 'a password sign-in sets the device cookie');
  return device;
};

type AuditRow = { event: string; subject: string; subjectUserId: number | null; actorUserId: number | null; detail: Record<string, unknown> };
const auditRows = async (gw: TestGateway, admin: SignedIn, event: string): Promise<AuditRow[]> =>
  (await gw.http.get(`/api/v1/audit-logs?event=${event}&pageSize=100`).set(admin.auth)).body.auditLogs;

for (const mode of STORAGE_MODES) {
  describe(`issue 9 review: lock-out and regulation [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: LIMITS });
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    test('R6 failures from other clients cannot lock the owner out of a client that signed in before (device cookie)', async () => {
      const created = await createUser(gw, {}, admin);
      const owner = await signIn(gw, created.username, created.password, { 'X-Forwarded-For': '192.0.2.10' });
      await lockOut(gw, created.username);
      assert.equal((await attempt(gw, created.username, created.password)).status, 429, 'a client without the cookie is still locked out');
      const res = await attempt(gw, created.username, created.password, { ip: '192.0.2.10', device: deviceOf(owner) });
      assert.equal(res.status, 200, 'the owner signs in from the device that signed in before');
      // The only admin too: strangers cannot lock the instance's administration out.
      await lockOut(gw, admin.username);
      assert.equal((await attempt(gw, admin.username, admin.password, { device: deviceOf(admin) })).status, 200);
    });

    test('R6 the device cookie is HttpOnly, SameSite=Lax, scoped to the sign-in paths, host-only, about a year, Secure behind https; the form sets it too', async () => {
      const created = await createUser(gw, {}, admin);
      const res = await gw.http.post('/api/v1/auth/signin').set('X-Forwarded-Proto', 'https').send({ passwordCredentials: { username: created.username, password: created.password } });
      assert.equal(res.status, 200);
      const devices = (res.headers['set-cookie'] as unknown as string[]).filter((c) => c.startsWith('sso_device=')).map((c) => parseSetCookie(c));
      assert.deepEqual(devices.map((c) => c.path).sort(), ['/api/v1/auth/signin', '/auth/signin'], 'only the two sign-in endpoints see it');
      assert.equal(devices[0]!.value, devices[1]!.value);
      for (const cookie of devices) {
        assert.equal(cookie.httpOnly, true);
        assert.equal(String(cookie.sameSite).toLowerCase(), 'lax');
        assert.equal(cookie.domain, undefined);
        assert.equal(cookie.secure, true, 'Secure when the request came over https through the trusted proxy');
        const days = (cookie.expires!.getTime() - gw.clock.now().getTime()) / 86_400_000;
        assert.ok(days > 360 && days <= 366, `${days} days`);
      }
      const failed = await attempt(gw, created.username, 'wrong');
      assert.equal((failed.headers['set-cookie'] as unknown as string[] | undefined)?.some((c) => c.startsWith('sso_device=')) ?? false, false, 'never on a failure');
      // The sign-in page's form: sets the cookie, and honours it during a lock.
      const form = (device?: string) => {
        const req = gw.http.post('/auth/signin').type('form').set('X-Forwarded-For', '192.0.2.77');
        if (device) req.set('Cookie', `sso_device=${device}`);
        return req.send(new URLSearchParams({ username: created.username, password: created.password, redirect: '/' }).toString());
      };
      const page = await form();
      assert.equal(page.status, 303);
      const pageDevice = (page.headers['set-cookie'] as unknown as string[]).map((c) => parseSetCookie(c)).find((c) => c.name === 'sso_device');
      assert.ok(pageDevice?.value);
      await lockOut(gw, created.username);
      assert.match(String((await form()).headers.location), /error=too_many_attempts/);
      assert.equal((await form(pageDevice.value)).headers.location, '/', 'signed in through the form with the device cookie');
    });

    test('R6 guessing stays bounded: device attempts have their own per-account allowance; a foreign or forged device cookie exempts nothing', async () => {
      const created = await createUser(gw, {}, admin);
      const owner = await signIn(gw, created.username, created.password);
      const device = deviceOf(owner);
      await lockOut(gw, created.username);
      assert.equal((await attempt(gw, created.username, admin.password, { device: deviceOf(admin) })).status, 429, "another account's device cookie");
      const forged = `${device.split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}`;
      assert.equal((await attempt(gw, created.username, created.password, { device: forged })).status, 429, 'a forged device cookie');
      assert.equal((await attempt(gw, created.username, created.password, { device: 'garbage' })).status, 429);
      // Someone holding the owner's device cookie gets the device allowance (3 here), then the device is locked too.
      for (let i = 0; i < 3; i++) assert.equal((await attempt(gw, created.username, `device-guess-${i}`, { device })).status, 401);
      assert.equal((await attempt(gw, created.username, created.password, { device })).status, 429, 'the device allowance is bounded');
      // So an account gets at most the per-account limit plus the device allowance of evaluated guesses per window.
    });

    test('R6 the per-(account, address) and per-address limits still apply to a client with a device cookie', async () => {
      const created = await createUser(gw, {}, admin);
      const device = deviceOf(await signIn(gw, created.username, created.password));
      const shared = '203.0.113.40';
      for (let i = 0; i < 3; i++) assert.equal((await attempt(gw, created.username, `guess-${i}`, { ip: shared })).status, 401);
      assert.equal((await attempt(gw, created.username, created.password, { ip: shared, device })).status, 429, 'the address that guessed at this account');
      assert.equal((await attempt(gw, created.username, created.password, { ip: '203.0.113.41', device })).status, 200, 'another address');

      const strict = await startTestGateway(mode, { env: { ...LIMITS, GATEWAY_SIGNIN_MAX_FAILURES_PER_IP: '4' } });
      try {
        const strictAdmin = await createAdmin(strict);
        const u = await createUser(strict, {}, strictAdmin);
        const d = deviceOf(await signIn(strict, u.username, u.password, { 'X-Forwarded-For': '203.0.113.50' }));
        const sprayer = '203.0.113.51';
        for (let i = 0; i < 4; i++) assert.equal((await attempt(strict, uniqueUsername('sprayed'), 'x', { ip: sprayer })).status, 401);
        assert.equal((await attempt(strict, u.username, u.password, { ip: sprayer, device: d })).status, 429, 'per-address ban, device or not');
      } finally {
        await strict.close();
      }
    });

    test('R6 an admin lifts a ban with DELETE /api/v1/users/{user}/signInBan (audited); others cannot; Regulator.unlockAccount does the same', async () => {
      const victim = await createUser(gw, {}, admin);
      const bystander = await createUser(gw, {}, admin);
      const bystanderIn = await signIn(gw, bystander.username, bystander.password);
      await lockOut(gw, victim.username);
      assert.equal((await gw.http.delete(`/api/v1/users/${victim.id}/signInBan`)).status, 401);
      assert.equal((await gw.http.delete(`/api/v1/users/${victim.id}/signInBan`).set(bystanderIn.auth)).status, 403);
      assert.equal((await attempt(gw, victim.username, victim.password)).status, 429, 'still banned');
      const lifted = await gw.http.delete(`/api/v1/users/${victim.username}/signInBan`).set(admin.auth);
      assert.equal(lifted.status, 200);
      assert.deepEqual(lifted.body, {});
      assert.equal((await attempt(gw, victim.username, victim.password)).status, 200, 'the owner signs in again at once, from any client');
      const [row] = await auditRows(gw, admin, 'account.unlocked');
      assert.equal(row?.actorUserId, admin.userId);
      assert.equal(row?.subjectUserId, victim.id);
      assert.equal(row?.subject, victim.username);
      assert.equal((await gw.http.delete('/api/v1/users/999999/signInBan').set(admin.auth)).status, 404);

      await lockOut(gw, victim.username);
      await gw.deps.regulation.unlockAccount(accountKey(victim.id, victim.username));
      assert.equal((await attempt(gw, victim.username, victim.password)).status, 200, 'the CLI path lifts it too');
    });

    test('R7 two admins demoting or archiving each other at once: one of them is refused and one admin remains (20 races)', async () => {
      const second = await createUser(gw, {}, admin);
      await gw.http.patch(`/api/v1/users/${second.id}?updateMask=role`).set(admin.auth).send({ role: 'ADMIN' }).expect(200);
      const removals = [{ role: 'USER' }, { state: 'ARCHIVED' }];
      for (let race = 0; race < 20; race++) {
        // Fresh sign-ins: archiving ends the archived admin's sessions.
        const [one, two] = [await signIn(gw, admin.username, admin.password), await signIn(gw, second.username, second.password)];
        const change = removals[race % 2]!;
        const mask = Object.keys(change)[0]!;
        const [a, b] = await Promise.all([
          gw.http.patch(`/api/v1/users/${two.userId}?updateMask=${mask}`).set(one.auth).send(change),
          gw.http.patch(`/api/v1/users/${one.userId}?updateMask=${mask}`).set(two.auth).send(change),
        ]);
        const statuses = [a.status, b.status].sort();
        assert.equal(statuses[0], 200, `race ${race}: one succeeds (${statuses})`);
        assert.ok([400, 401, 403].includes(statuses[1]!), `race ${race}: the other is refused (${statuses})`);
        const refused = a.status === 200 ? b : a;
        // 401 when the winner had already archived the loser before its request was authenticated.
        if (refused.status !== 401) assert.match(String(refused.body.message), /last admin|no longer an admin|permission denied/, `race ${race}: a clear reason`);
        assert.equal(await gw.deps.store.users.countActiveAdmins(), 1, `race ${race}: one admin remains`);
        // The survivor restores the other for the next race.
        const [survivor, demoted] = a.status === 200 ? [one, two] : [two, one];
        await gw.http.patch(`/api/v1/users/${demoted.userId}?updateMask=role,state`).set(survivor.auth).send({ role: 'ADMIN', state: 'NORMAL' }).expect(200);
        assert.equal(await gw.deps.store.users.countActiveAdmins(), 2);
      }
    });

    test('R8 with disallowPasswordAuth a right guess resets nothing: after wrong, wrong, right the next attempt is banned as after three wrong', async () => {
      await setGeneral(gw, admin, { disallowPasswordAuth: true });
      const outcome = async (guesses: string[]) => {
        const u = await createUser(gw, {}, admin);
        const statuses: number[] = [];
        for (const guess of guesses) statuses.push((await attempt(gw, u.username, guess === 'right' ? u.password : guess)).status);
        const next = await attempt(gw, u.username, 'wrong again');
        return { statuses, next: next.status, retryAfter: Number(next.headers['retry-after'] ?? 0) };
      };
      const withRight = await outcome(['wrong-1', 'wrong-2', 'right']);
      const allWrong = await outcome(['wrong-1', 'wrong-2', 'wrong-3']);
      assert.deepEqual(withRight.statuses, [403, 403, 403], 'every refused answer is the same 403');
      assert.equal(withRight.next, 429, 'the right guess did not reset the count');
      assert.equal(allWrong.next, 429);
      assert.ok(Math.abs(withRight.retryAfter - allWrong.retryAfter) <= 2, `same ban either way (${withRight.retryAfter} s, ${allWrong.retryAfter} s)`);
      assert.equal((await attempt(gw, admin.username, admin.password)).status, 200, 'an admin still signs in with a password');
    });

    test('R15 a password typed into the username field does not land in the audit log; a real account name does', async () => {
      const marker = `Tr0ub4dor&3-${process.pid}`;
      const victim = await createUser(gw, {}, admin);
      assert.equal((await attempt(gw, marker, 'the username typed as password')).status, 401);
      for (let i = 0; i < 3; i++) await attempt(gw, `${marker}-again`, 'x', { ip: '203.0.113.60' });
      assert.equal((await attempt(gw, `${marker}-again`, 'x', { ip: '203.0.113.60' })).status, 429);
      assert.equal((await attempt(gw, victim.username, 'wrong')).status, 401);
      const failures = await auditRows(gw, admin, 'signin.failure');
      const banned = await auditRows(gw, admin, 'signin.banned');
      assert.ok(!JSON.stringify([...failures, ...banned]).includes(marker), 'the typed text is in no audit row');
      const unknown = failures.filter((r) => r.subjectUserId === null);
      assert.equal(unknown.length, 4, 'each attempt on an unknown name is still audited');
      assert.ok(unknown.every((r) => r.subject === '' && r.detail.unknownUsername === true));
      assert.equal(banned.length, 1);
      assert.equal(banned[0]!.subject, '');
      const known = failures.find((r) => r.subjectUserId === victim.id);
      assert.equal(known?.subject, victim.username, 'an existing account is named');
    });

    test('R15 the IP key: upper-case ::FFFF: addresses of two clients are counted apart, and a port never opens a new bucket', async () => {
      const perIp = await startTestGateway(mode, { env: { ...LIMITS, GATEWAY_SIGNIN_MAX_FAILURES_PER_IP: '3', GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: '100' } });
      try {
        await createAdmin(perIp);
        for (let i = 0; i < 3; i++) assert.equal((await attempt(perIp, uniqueUsername('m'), 'x', { ip: '::FFFF:203.0.113.70' })).status, 401);
        assert.equal((await attempt(perIp, uniqueUsername('m'), 'x', { ip: '::ffff:203.0.113.70' })).status, 429, 'the same client in lower case');
        assert.equal((await attempt(perIp, uniqueUsername('m'), 'x', { ip: '203.0.113.70' })).status, 429, 'and as plain IPv4');
        assert.equal((await attempt(perIp, uniqueUsername('m'), 'x', { ip: '::FFFF:198.51.100.71' })).status, 401, 'another mapped client is not banned with it');
        for (let port = 1001; port <= 1003; port++) assert.equal((await attempt(perIp, uniqueUsername('p'), 'x', { ip: `203.0.113.80:${port}` })).status, 401);
        assert.equal((await attempt(perIp, uniqueUsername('p'), 'x', { ip: '203.0.113.80:1004' })).status, 429, 'a new port is the same client');
        assert.equal((await attempt(perIp, uniqueUsername('p'), 'x', { ip: '203.0.113.80' })).status, 429);
      } finally {
        await perIp.close();
      }
    });
  });
}
