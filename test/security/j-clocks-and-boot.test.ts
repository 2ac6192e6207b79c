// Catalogue J96 (two instances with skewed clocks) and J98 (boot refuses what it cannot trust; one provider's
// outage breaks only that provider).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { openDeps } from '../../src/deps.js';
import { requireConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createIdp, oidcIdpBody, startProviders, TEST_ENV, type Providers } from '../support/sso.js';
import { FakeClock } from '../support/fake-clock.js';
import { createStorage, startTestGateway, type Storage, type TestGateway } from '../support/gateway.js';
import { ROOT } from '../support/process-gateway.js';
import { freePort } from '../support/services.js';
import { expectSsoAudit } from '../support/sso-audit.js';
import { createAdmin, createUser, signIn } from '../support/users.js';

const run = promisify(execFile);

describe('J96 two gateways whose clocks are 90 s apart', () => {
  let storage: Storage;
  let a: TestGateway;
  let b: TestGateway;
  const clockA = new FakeClock(new Date('2026-06-01T12:00:00Z'));
  const clockB = new FakeClock(new Date('2026-06-01T12:01:30Z'));
  before(async () => {
    storage = await createStorage('mariadb');
    a = await startTestGateway('mariadb', { storage, clock: clockA });
    b = await startTestGateway('mariadb', { storage, clock: clockB });
    await createAdmin(a);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await storage?.destroy();
  });

  test('J96 a token from the clock 90 s ahead is refused (iat beyond the 60 s skew); 30 s of skew is accepted; expiry has no leeway', async () => {
    const u = await createUser(a);
    const fromB = await signIn(b, u.username, u.password);
    assert.equal((await a.http.get('/api/v1/auth/me').set(fromB.auth)).status, 401, 'issued 90 s in A\'s future');
    clockA.advance(30_000);
    assert.equal((await a.http.get('/api/v1/auth/me').set(fromB.auth)).status, 200, '60 s ahead: within the skew');
    const fromA = await signIn(a, u.username, u.password);
    clockB.set(new Date(clockA.now().getTime() + 15 * 60 * 1000));
    assert.equal((await b.http.get('/api/v1/auth/me').set(fromA.auth)).status, 401, 'exactly at exp: refused');
  });

  test('J96 the refresh row and the JWT take their times from one clock (the issuing gateway\'s), not the database\'s', async () => {
    const u = await createUser(a);
    const s = await signIn(a, u.username, u.password);
    const tid = JSON.parse(Buffer.from(s.jar.get('memos_refresh')!.split('.')[1]!, 'base64url').toString());
    const row = await a.deps.store.refreshTokens.findByTid(tid.tid);
    assert.equal(row!.expiresAt.getTime(), tid.exp * 1000);
    assert.equal(row!.createdAt.getTime(), tid.iat * 1000);
  });
});

describe('J98 boot', () => {
  test('J98 an unreachable MySQL makes `npm start` exit 1 at once, logging the cause, instead of serving', async () => {
    const port = await freePort();
    const started = Date.now();
    const res = await run('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, GATEWAY_PORT: String(await freePort()), GATEWAY_DATABASE_URL: `mysql://gw:pw@127.0.0.1:${port}/gw`, GATEWAY_LOG_LEVEL: 'fatal' },
      timeout: 60_000,
    }).then(
      () => ({ code: 0, killed: false, signal: null, stdout: '', stderr: '' }),
      (err: { code?: number | string; killed?: boolean; signal?: string | null; stdout?: string; stderr?: string }) => ({
        code: err.code, killed: err.killed ?? false, signal: err.signal ?? null, stdout: err.stdout ?? '', stderr: err.stderr ?? '',
      }),
    );
    // Killed by the 60 s timeout would be killed: true / signal SIGTERM: a gateway that keeps serving fails here.
    assert.equal(res.killed, false, 'the process exited by itself, not by the test timeout');
    assert.equal(res.signal, null);
    assert.equal(res.code, 1, 'exit code 1');
    assert.ok(Date.now() - started < 45_000, 'exited well before the 60 s timeout');
    const log = `${res.stdout}\n${res.stderr}`;
    assert.match(log, /could not open storage/, 'the log says what failed');
    assert.match(log, /ECONNREFUSED 127\.0\.0\.1:\d+/, 'and why');
  });

  test('J98 a stored secret that is missing or too short stops the start; no random per-instance secret is made up', async () => {
    const storage = await createStorage('embedded');
    try {
      const config = requireConfig({ ...storage.env, GATEWAY_LOG_LEVEL: 'silent' });
      const deps = await openDeps(config, { logger: createLogger('silent') });
      await deps.store.settings.upsert('BASIC', JSON.stringify({ secretKey: 'short' }));
      await deps.store.close();
      await assert.rejects(openDeps(config, { logger: createLogger('silent') }), /no usable secretKey/);
      assert.equal(JSON.parse((await (await import('../../src/store/store.js')).openStore({ kind: 'sqlite', file: config.database.kind === 'sqlite' ? config.database.file : '' }).then(async (s) => {
        const v = await s.settings.find('BASIC');
        await s.close();
        return v;
      }))!).secretKey, 'short', 'the refused secret was not silently replaced');
    } finally {
      await storage.destroy();
    }
  });

  test('J98 an unparsable identity-provider file stops the start with the problem named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-idp-'));
    try {
      const file = join(dir, 'idps.json');
      writeFileSync(file, '{"identityProviders": [ {"uid": "x"');
      const code = await run('npm', ['start', '--silent'], {
        cwd: ROOT,
        env: { ...process.env, GATEWAY_PORT: String(await freePort()), GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'g.db')}`, GATEWAY_IDP_FILE: file },
        timeout: 60_000,
      }).then(() => ({ code: 0, stderr: '' }), (err: { code?: number; stderr?: string }) => ({ code: err.code ?? -1, stderr: err.stderr ?? '' }));
      assert.equal(code.code, 1);
      assert.match(code.stderr, /idps\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('J98 one provider down', () => {
  let providers: Providers;
  let gw: TestGateway;
  before(async () => {
    providers = await startProviders();
    gw = await startTestGateway('embedded', { env: TEST_ENV });
  });
  after(async () => {
    await gw?.close();
    await providers?.stop();
  });

  test('J98 a dead provider answers 502 for itself only; the live provider, password sign-in and /auth/verify keep working', async () => {
    const admin = await createAdmin(gw);
    const live = await createIdp(gw, admin, oidcIdpBody(providers.op));
    const deadPort = await freePort();
    const body = oidcIdpBody(providers.op) as { config: { oauth2Config: Record<string, unknown> } };
    const deadConfig = { ...body, title: 'Dead', config: { oauth2Config: { ...body.config.oauth2Config, issuer: `http://127.0.0.1:${deadPort}` } } };
    const dead = await createIdp(gw, admin, deadConfig);
    const start = await gw.http.get(`/auth/sso/${dead}`).set('Accept', 'application/json');
    assert.equal(start.status, 502);
    await expectSsoAudit(gw, { event: 'sso.denied', provider: dead, reason: 'PROVIDER_UNAVAILABLE', step: 'start' });
    assert.equal((await gw.http.get(`/auth/sso/${live}`)).status, 302);
    const signInAgain = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: admin.username, password: admin.password } });
    assert.equal(signInAgain.status, 200);
    assert.equal((await gw.http.get('/auth/verify').set(admin.auth)).status, 200);
  });
});
