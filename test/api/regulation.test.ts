// Brute-force regulation of password sign-in, on both storage modes: per account and per address, checked
// before bcrypt, lifting by itself after the ban.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { ipKey } from '../../src/auth/regulation.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createUser } from '../support/users.js';

const LIMITS = {
  GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: '3',
  GATEWAY_SIGNIN_MAX_FAILURES_PER_IP: '6',
  GATEWAY_REGULATION_WINDOW_SECONDS: '120',
  GATEWAY_REGULATION_BAN_SECONDS: '300',
};

for (const mode of STORAGE_MODES) {
  describe(`sign-in regulation [${mode}]`, () => {
    let gw: TestGateway;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: LIMITS });
    });
    afterEach(() => gw.close());

    const attempt = (username: string, password: string, ip?: string) => {
      const req = gw.http.post('/api/v1/auth/signin');
      if (ip) req.set('X-Forwarded-For', ip);
      return req.send({ passwordCredentials: { username, password } });
    };

    test('after N failures on one account, attempt N+1 is 429 with Retry-After even with the right password', async () => {
      await createAdmin(gw);
      const victim = await createUser(gw);
      for (let i = 0; i < 3; i++) assert.equal((await attempt(victim.username, 'wrong')).status, 401);
      const banned = await attempt(victim.username, victim.password);
      assert.equal(banned.status, 429);
      assert.equal(banned.body.code, 8);
      const retryAfter = Number(banned.headers['retry-after']);
      assert.ok(retryAfter > 250 && retryAfter <= 300, `Retry-After ${retryAfter}`);
      assert.equal(banned.headers['set-cookie'], undefined);
    });

    test('the ban is checked before bcrypt: a banned attempt never compares the password', async () => {
      await createAdmin(gw);
      const victim = await createUser(gw);
      for (let i = 0; i < 3; i++) await attempt(victim.username, 'wrong');
      let compares = 0;
      const verify = gw.deps.passwords.verify.bind(gw.deps.passwords);
      gw.deps.passwords.verify = async (pw, hash) => {
        compares += 1;
        return verify(pw, hash);
      };
      assert.equal((await attempt(victim.username, victim.password)).status, 429);
      assert.equal(compares, 0);
    });

    test('a success clears the account count', async () => {
      await createAdmin(gw);
      const user = await createUser(gw);
      await attempt(user.username, 'wrong');
      await attempt(user.username, 'wrong');
      assert.equal((await attempt(user.username, user.password)).status, 200);
      await attempt(user.username, 'wrong');
      await attempt(user.username, 'wrong');
      assert.equal((await attempt(user.username, user.password)).status, 200);
    });

    test('one address spraying many accounts is banned by the per-IP limit; other addresses are not', async () => {
      await createAdmin(gw);
      const real = await createUser(gw);
      for (let i = 0; i < 6; i++) assert.equal((await attempt(`nobody-${i}`, 'pw', '203.0.113.9')).status, 401);
      assert.equal((await attempt(real.username, real.password, '203.0.113.9')).status, 429);
      assert.equal((await attempt(real.username, real.password, '198.51.100.1')).status, 200);
    });

    test('rotating IPv6 addresses inside one /64 share one counter', async () => {
      await createAdmin(gw);
      for (let i = 0; i < 6; i++) await attempt(`nobody-${i}`, 'pw', `2001:db8:1:2::${(i + 1).toString(16)}`);
      assert.equal((await attempt('nobody-x', 'pw', '2001:db8:1:2:ffff::1')).status, 429);
      assert.equal((await attempt('nobody-x', 'pw', '2001:db8:1:3::1')).status, 401, 'another /64 is not banned');
    });

    test('X-Forwarded-For from an untrusted peer does not dodge the per-IP counter', async () => {
      const untrusting = await startTestGateway(mode, { env: { ...LIMITS, GATEWAY_TRUSTED_PROXIES: '10.1.2.3' } });
      try {
        await createAdmin(untrusting);
        for (let i = 0; i < 6; i++) {
          await untrusting.http.post('/api/v1/auth/signin').set('X-Forwarded-For', `192.0.2.${i}`).send({ passwordCredentials: { username: `n${i}`, password: 'x' } });
        }
        const res = await untrusting.http.post('/api/v1/auth/signin').set('X-Forwarded-For', '192.0.2.99').send({ passwordCredentials: { username: 'n', password: 'x' } });
        assert.equal(res.status, 429);
      } finally {
        await untrusting.close();
      }
    });
  });
}

describe('sign-in regulation lifts by itself [embedded, fake clock]', () => {
  test('attempt N+1 is 429 inside the window and the ban lifts after the ban time', async () => {
    mock.timers.enable({ apis: ['Date', 'setTimeout'], now: Date.now() });
    const gw = await startTestGateway('embedded', { env: LIMITS });
    try {
      await createAdmin(gw);
      const user = await createUser(gw);
      for (let i = 0; i < 3; i++) await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: user.username, password: 'wrong' } });
      const banned = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: user.username, password: user.password } });
      assert.equal(banned.status, 429);
      mock.timers.tick(299_000);
      const still = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: user.username, password: user.password } });
      assert.equal(still.status, 429);
      mock.timers.tick(2_000);
      const lifted = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: user.username, password: user.password } });
      assert.equal(lifted.status, 200);
    } finally {
      mock.timers.reset();
      await gw.close();
    }
  });
});

test('ipKey keeps IPv4 whole and groups IPv6 by /64', () => {
  assert.equal(ipKey('203.0.113.9'), '203.0.113.9');
  assert.equal(ipKey('::ffff:203.0.113.9'), '203.0.113.9');
  assert.equal(ipKey('2001:db8:1:2::5'), '2001:db8:1:2::/64');
  assert.equal(ipKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  assert.equal(ipKey('::1'), '0:0:0:0::/64');
});

for (const mode of STORAGE_MODES) {
  describe(`token guessing regulation [${mode}]`, () => {
    let gw: TestGateway;
    beforeEach(async () => {
      gw = await startTestGateway(mode, { env: { ...LIMITS, GATEWAY_TOKEN_MAX_FAILURES_PER_IP: '4' } });
    });
    afterEach(() => gw.close());

    test('guessed personal access tokens from one address are banned after N misses (429)', async () => {
      await createAdmin(gw);
      for (let i = 0; i < 4; i++) {
        const res = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer memos_pat_${'A'.repeat(31)}${i}`);
        assert.equal(res.status, 401);
      }
      const res = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer memos_pat_${'B'.repeat(32)}`);
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers['retry-after']) > 0);
    });

    test('forged refresh cookies from one address are banned after N misses (429)', async () => {
      for (let i = 0; i < 4; i++) {
        const res = await gw.http.post('/api/v1/auth/refresh').set('Cookie', `memos_refresh=forged.${i}.token`);
        assert.equal(res.status, 401);
      }
      const res = await gw.http.post('/api/v1/auth/refresh').set('Cookie', 'memos_refresh=forged.x.token');
      assert.equal(res.status, 429);
    });
  });
}
