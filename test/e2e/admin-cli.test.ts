// The operator CLI (src/admin/), each command against both storage modes (SQLite + in-process state, MariaDB +
// Redis) beside a running test gateway on the same storage: what the CLI does is what the gateway then enforces
// (a reset password signs in, revoked sessions and PATs stop working, an unlocked account signs in again), with
// the documented exit codes and an audit row with actor "cli". Most commands run in-process through runCli (the
// same dispatcher main.ts runs); `npm run admin` itself and the esbuild bundle (dist/admin.mjs) run as processes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { runCli } from '../../src/admin/cli.js';
import { EXIT } from '../../src/admin/exit-codes.js';
import { createStorage, startTestGateway, STORAGE_MODES, type Storage, type TestGateway } from '../support/gateway.js';
import { createPat } from '../support/pats.js';
import { ROOT } from '../support/process-gateway.js';
import { testRedisUrl } from '../support/redis.js';
import { freePort } from '../support/services.js';
import { createAdmin, createUser, signIn, uniqueUsername, type SignedIn } from '../support/users.js';

const run = promisify(execFile);

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(env: Record<string, string>, argv: string[], stdin = ''): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: { GATEWAY_LOG_LEVEL: 'silent', ...env },
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: async () => stdin,
  });
  return { code, stdout, stderr };
}

const RULES = {
  default: 'any',
  rules: [
    { comment: 'admin area', host: 'app.example.test', path: '/admin', allow: { roles: ['ADMIN'] } },
    { comment: 'deploy tools', host: 'app.example.test', path: '/ops', allow: { userPattern: 'ops-[a-z0-9-]+' } },
    { host: '.internal.example.test', path: '/', allow: 'none' },
  ],
};

async function auditRow(gw: TestGateway, event: string, subject?: string) {
  const rows = await gw.deps.store.auditLogs.list({ beforeId: null, limit: 50, event: event as never });
  return rows.find((r) => subject === undefined || r.subject === subject) ?? null;
}

test('npm run admin -- rotate-key adds the next kid and lists the keys without secrets', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-admin-'));
  try {
    const env = { ...process.env, GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}` };
    const first = await run('npm', ['run', '--silent', 'admin', '--', 'rotate-key'], { cwd: ROOT, env });
    assert.match(first.stdout, /^rotated: v2 signs new tokens/m);
    assert.match(first.stdout, /^v1\tcreated .*\tverifying until /m);
    assert.match(first.stdout, /^v2\tcreated .*\tsigning$/m);
    const second = await run('npm', ['run', '--silent', 'admin', '--', 'rotate-key'], { cwd: ROOT, env });
    assert.match(second.stdout, /^rotated: v3/m);
    await assert.rejects(run('npm', ['run', '--silent', 'admin', '--', 'bogus'], { cwd: ROOT, env }), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, EXIT.USAGE);
      assert.match(err.stderr, /unknown command "bogus"/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundled CLI (scripts/bundle.mjs → admin.mjs) answers --help and runs a command with its exit code', async () => {
  // Inside the checkout (dist/ is git-ignored) so the bundle's external packages resolve from node_modules.
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'dist', '.cli-test-'));
  try {
    await run(process.execPath, ['scripts/bundle.mjs', join(dir, 'dist')], { cwd: ROOT });
    const env = { ...process.env, GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}`, GATEWAY_LOG_LEVEL: 'silent' };
    const admin = join(dir, 'dist', 'admin.mjs');
    const help = await run(process.execPath, [admin, '--help'], { cwd: ROOT, env });
    for (const name of ['create-user', 'reset-password', 'set-role', 'list-sessions', 'revoke-sessions', 'list-pats', 'revoke-pat', 'unlock', 'rotate-key', 'list-keys', 'backup', 'restore', 'check-access']) {
      assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'), `--help lists ${name}`);
    }
    assert.match(help.stdout, /exit codes: 0 ok, 1 failure, 2 usage/);
    const created = await run(process.execPath, [admin, 'create-user', '--username', 'bundled', '--role', 'ADMIN'], { cwd: ROOT, env });
    assert.match(created.stdout, /^created user bundled \(id 1, role ADMIN\)$/m);
    await assert.rejects(run(process.execPath, [admin, 'set-role', '--user', 'nobody', '--role', 'USER'], { cwd: ROOT, env }), (err: { code: number }) => err.code === EXIT.NOT_FOUND);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2, every command answers --help, a database that is down exits 5', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-admin-usage-'));
  try {
    const env = { GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}` };
    assert.equal((await cli(env, [])).code, EXIT.USAGE);
    assert.equal((await cli(env, ['create-user'])).code, EXIT.USAGE, 'a required option missing');
    const unknownOption = await cli(env, ['list-keys', '--bogus']);
    assert.equal(unknownOption.code, EXIT.USAGE);
    assert.match(unknownOption.stderr, /Unknown option '--bogus'/);
    assert.equal((await cli(env, ['create-user', '--username', 'bad name!'])).code, EXIT.USAGE, 'an invalid username');
    assert.equal((await cli(env, ['set-role', '--user', 'x', '--role', 'ROOT'])).code, EXIT.USAGE, 'an invalid role');
    assert.equal((await cli(env, ['check-access', '--user', 'x', '--url', 'https://app.example.test/a%2fb'])).code, EXIT.USAGE, 'a URL verify refuses');
    for (const name of ['create-user', 'reset-password', 'set-role', 'list-sessions', 'revoke-sessions', 'list-pats', 'revoke-pat', 'unlock', 'rotate-key', 'list-keys', 'backup', 'restore', 'check-access']) {
      const help = await cli(env, [name, '--help']);
      assert.equal(help.code, EXIT.OK, name);
      assert.match(help.stdout, new RegExp(`^usage: npm run admin -- ${name}`), name);
    }
    const port = await freePort();
    const down = await cli({ GATEWAY_DATABASE_URL: `mysql://u:p@127.0.0.1:${port}/gw` }, ['list-keys']);
    assert.equal(down.code, EXIT.DEPENDENCY_DOWN, down.stderr);
    assert.match(down.stderr, /dependency is down/);
    assert.doesNotMatch(down.stderr, /u:p@/, 'no credential in the message');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const mode of STORAGE_MODES) {
  describe(`admin CLI on ${mode}`, () => {
    let storage: Storage;
    let gw: TestGateway;
    let env: Record<string, string>;
    let admin: SignedIn;
    let rulesDir: string;

    before(async () => {
      rulesDir = mkdtempSync(join(tmpdir(), 'gw-admin-rules-'));
      const rulesFile = join(rulesDir, 'rules.json');
      writeFileSync(rulesFile, JSON.stringify(RULES));
      const base = await createStorage(mode);
      // The CLI opens Redis with the gateway's default key prefix: give this file a Redis database of its own
      // instead of the per-test prefix, so the CLI and the test gateway see the same ban counters.
      storage = mode === 'mariadb' ? { ...base, env: { ...base.env, GATEWAY_REDIS_URL: `${testRedisUrl().replace(/\/\d*$/, '')}/9` }, redisKeyPrefix: '' } : base;
      env = { ...storage.env, GATEWAY_ACCESS_RULES_FILE: rulesFile };
      gw = await startTestGateway(mode, { storage, env: { GATEWAY_ACCESS_RULES_FILE: rulesFile } });
      admin = await createAdmin(gw);
    });

    after(async () => {
      await gw?.close();
      await storage?.destroy();
      rmSync(rulesDir, { recursive: true, force: true });
    });

    test('create-user prints a password that signs in; --stdin takes one; a taken name exits 4; audited as cli', async () => {
      const name = uniqueUsername('cli');
      const made = await cli(env, ['create-user', '--username', name, '--email', `${name}@example.test`]);
      assert.equal(made.code, EXIT.OK, made.stderr);
      const password = /^password: (\S+)$/m.exec(made.stdout)?.[1];
      assert.ok(password && password.length >= 20, made.stdout);
      await signIn(gw, name, password);
      const taken = await cli(env, ['create-user', '--username', name]);
      assert.equal(taken.code, EXIT.REFUSED, taken.stderr);
      const viaStdin = uniqueUsername('cli');
      const piped = await cli(env, ['create-user', '--username', viaStdin, '--role', 'admin', '--stdin'], 'chosen by the operator\n');
      assert.equal(piped.code, EXIT.OK, piped.stderr);
      assert.doesNotMatch(piped.stdout, /password:/, 'a password from stdin is not echoed');
      const signed = await signIn(gw, viaStdin, 'chosen by the operator');
      assert.equal((await gw.http.get('/api/v1/auth/me').set(signed.auth)).body.user.role, 'ADMIN');
      const row = await auditRow(gw, 'user.created', name);
      assert.ok(row, 'user.created audited');
      assert.equal(row.detail.actor, 'cli');
      assert.equal(row.actorUserId, null);
    });

    test('reset-password: the old password and every session and PAT stop working, the new one signs in', async () => {
      const u = await createUser(gw);
      const session = await signIn(gw, u.username, u.password);
      const pat = await createPat(gw, session);
      const reset = await cli(env, ['reset-password', '--user', u.username]);
      assert.equal(reset.code, EXIT.OK, reset.stderr);
      const password = /^password: (\S+)$/m.exec(reset.stdout)?.[1];
      assert.ok(password);
      gw.clock.advance(6000); // past the forward-auth caches
      assert.equal((await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: u.username, password: u.password } })).status, 401);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(session.auth)).status, 401, 'the access token of a revoked session');
      assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 401, 'the PAT is gone');
      assert.equal((await gw.http.post('/api/v1/auth/refresh').set('Cookie', session.jar.header('memos_refresh'))).status, 401);
      await signIn(gw, u.username, password);
      const piped = await cli(env, ['reset-password', '--user', String(u.id), '--stdin'], 'another good password\n');
      assert.equal(piped.code, EXIT.OK, piped.stderr);
      await signIn(gw, u.username, 'another good password');
      assert.equal((await cli(env, ['reset-password', '--user', 'no-such-user'])).code, EXIT.NOT_FOUND);
      assert.equal((await auditRow(gw, 'password.changed', u.username))?.detail.actor, 'cli');
    });

    test('set-role promotes and demotes; demoting the last admin exits 4; an unknown user exits 3', async () => {
      const u = await createUser(gw);
      assert.equal((await cli(env, ['set-role', '--user', u.username, '--role', 'ADMIN'])).code, EXIT.OK);
      assert.equal((await gw.deps.store.users.findById(u.id))?.role, 'ADMIN');
      assert.equal((await cli(env, ['set-role', '--user', u.username, '--role', 'USER'])).code, EXIT.OK);
      assert.equal((await gw.deps.store.users.findById(u.id))?.role, 'USER');
      assert.equal((await cli(env, ['set-role', '--user', 'nobody-here', '--role', 'USER'])).code, EXIT.NOT_FOUND);
      // Make admin the only active admin again, then try to demote it.
      const admins = [];
      for (let afterId = 0; ; ) {
        const page = await gw.deps.store.users.list({ afterId, limit: 100 });
        if (page.length === 0) break;
        admins.push(...page.filter((x) => x.role === 'ADMIN' && x.id !== admin.userId));
        afterId = page.at(-1)!.id;
      }
      for (const other of admins) assert.equal((await cli(env, ['set-role', '--user', String(other.id), '--role', 'USER'])).code, EXIT.OK);
      const last = await cli(env, ['set-role', '--user', admin.username, '--role', 'USER']);
      assert.equal(last.code, EXIT.REFUSED, last.stderr);
      assert.equal((await gw.deps.store.users.findById(admin.userId))?.role, 'ADMIN');
    });

    test('list-sessions (--json) and revoke-sessions: one session, then all of them and the PATs', async () => {
      const u = await createUser(gw);
      const laptop = await signIn(gw, u.username, u.password, { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' });
      const phone = await signIn(gw, u.username, u.password);
      const pat = await createPat(gw, phone);
      const listed = await cli(env, ['list-sessions', '--user', u.username, '--json']);
      assert.equal(listed.code, EXIT.OK, listed.stderr);
      const sessions = JSON.parse(listed.stdout).sessions as { sessionId: string; clientInfo: { userAgent: string } }[];
      assert.equal(sessions.length, 2);
      const laptopSession = sessions.find((s) => s.clientInfo.userAgent.includes('Firefox'))!;
      const text = await cli(env, ['list-sessions', '--user', u.username]);
      assert.equal(text.stdout.trim().split('\n').length, 2);
      assert.match(text.stdout, new RegExp(`^${laptopSession.sessionId}\tcreated `, 'm'));

      assert.equal((await cli(env, ['revoke-sessions', '--user', u.username, '--session', laptopSession.sessionId])).code, EXIT.OK);
      gw.clock.advance(6000);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(laptop.auth)).status, 401, 'the revoked session ends its access token');
      assert.equal((await gw.http.get('/api/v1/auth/me').set(phone.auth)).status, 200, 'the other session lives');
      assert.equal((await cli(env, ['revoke-sessions', '--user', u.username, '--session', laptopSession.sessionId])).code, EXIT.NOT_FOUND, 'already revoked');
      assert.equal((await auditRow(gw, 'session.revoked', laptopSession.sessionId))?.detail.actor, 'cli');

      const all = await cli(env, ['revoke-sessions', '--user', u.username]);
      assert.equal(all.code, EXIT.OK, all.stderr);
      assert.match(all.stdout, /revoked 1 session\(s\) and 1 personal access token\(s\)/);
      gw.clock.advance(6000);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(phone.auth)).status, 401);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 401);
      assert.deepEqual(JSON.parse((await cli(env, ['list-sessions', '--user', u.username, '--json'])).stdout), { sessions: [] });
    });

    test('list-pats (--json, never the token) and revoke-pat: the token stops working; again exits 3', async () => {
      const owner = await signIn(gw, ...(await createUser(gw).then((u) => [u.username, u.password] as const)));
      const pat = await createPat(gw, owner, { description: 'deploy bot' });
      const listed = await cli(env, ['list-pats', '--user', owner.username, '--json']);
      assert.equal(listed.code, EXIT.OK, listed.stderr);
      assert.deepEqual(JSON.parse(listed.stdout).personalAccessTokens.map((p: { tokenId: string; description: string }) => [p.tokenId, p.description]), [[pat.tokenId, 'deploy bot']]);
      assert.ok(!listed.stdout.includes(pat.token), 'the token itself is never printed');
      assert.match((await cli(env, ['list-pats', '--user', owner.username])).stdout, new RegExp(`^${pat.tokenId}\tdeploy bot\tcreated `, 'm'));
      assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 200);
      assert.equal((await cli(env, ['revoke-pat', '--user', owner.username, '--id', pat.tokenId])).code, EXIT.OK);
      gw.clock.advance(6000);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 401);
      assert.equal((await cli(env, ['revoke-pat', '--user', owner.username, '--id', pat.tokenId])).code, EXIT.NOT_FOUND);
      assert.equal((await auditRow(gw, 'pat.revoked', pat.tokenId))?.detail.actor, 'cli');
    });

    test(mode === 'mariadb' ? 'unlock lifts a sign-in ban kept in Redis' : 'unlock refuses (exit 4) without Redis: bans live in each gateway process', async () => {
      const u = await createUser(gw);
      if (mode === 'embedded') {
        const refused = await cli(env, ['unlock', '--user', u.username]);
        assert.equal(refused.code, EXIT.REFUSED);
        assert.match(refused.stderr, /no Redis is configured/);
        return;
      }
      const attempt = (password: string) => gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username: u.username, password } });
      for (let i = 0; i < 5; i++) assert.equal((await attempt('wrong password')).status, 401);
      assert.equal((await attempt(u.password)).status, 429, 'banned, even with the right password');
      const unlocked = await cli(env, ['unlock', '--user', u.username]);
      assert.equal(unlocked.code, EXIT.OK, unlocked.stderr);
      assert.equal((await attempt(u.password)).status, 200);
      assert.equal((await cli(env, ['unlock', '--user', 'no-such-user'])).code, EXIT.NOT_FOUND);
      assert.equal((await auditRow(gw, 'account.unlocked', u.username))?.detail.actor, 'cli');
    });

    test('rotate-key and list-keys --json: the new kid signs, the old one verifies; audited', async () => {
      const before = JSON.parse((await cli(env, ['list-keys', '--json'])).stdout).signingKeys as { kid: string; signing: boolean }[];
      const rotated = await cli(env, ['rotate-key', '--json']);
      assert.equal(rotated.code, EXIT.OK, rotated.stderr);
      const keys = JSON.parse(rotated.stdout).signingKeys as { kid: string; signing: boolean; retireTime: string | null }[];
      assert.equal(keys.length, before.length + 1);
      const signing = keys.filter((k) => k.signing);
      assert.equal(signing.length, 1);
      assert.equal(signing[0]!.kid, `v${keys.length}`);
      assert.ok(keys.filter((k) => !k.signing).every((k) => k.retireTime !== null));
      assert.equal((await auditRow(gw, 'signing_key.rotated', signing[0]!.kid))?.detail.actor, 'cli');
      await gw.deps.keys.reload(gw.clock.now());
      const fresh = await signIn(gw, admin.username, admin.password);
      assert.equal(JSON.parse(Buffer.from(fresh.accessToken.split('.')[0]!, 'base64url').toString()).kid, signing[0]!.kid);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(admin.auth)).status, 200, 'a token of the old kid still verifies');
    });

    test('check-access names the deciding rule and why; exit 0 allowed, 4 denied, and agrees with /auth/verify', async () => {
      const plain = await createUser(gw, { username: uniqueUsername('plain') });
      // An admin-assigned (locked) name: only such names match a userPattern (issue 9 item 2).
      const ops = await createUser(gw, { username: `ops-${uniqueUsername('x').toLowerCase()}` }, admin);
      const denied = await cli(env, ['check-access', '--user', plain.username, '--url', 'https://app.example.test/admin/users', '--method', 'post']);
      assert.equal(denied.code, EXIT.REFUSED, denied.stderr);
      assert.match(denied.stdout, new RegExp(`^deny POST https://app.example.test/admin/users for ${plain.username} \\(USER\\)$`, 'm'));
      assert.match(denied.stdout, /decided by rule 1 "admin area" \(host app\.example\.test, path \/admin\): allows only roles ADMIN; .* is none of them/);
      const allowed = await cli(env, ['check-access', '--user', admin.username, '--url', 'https://app.example.test/admin/users']);
      assert.equal(allowed.code, EXIT.OK, allowed.stderr);
      assert.match(allowed.stdout, /decided by rule 1 "admin area" .*: allows role ADMIN/);
      const pattern = await cli(env, ['check-access', '--user', ops.username, '--url', 'https://app.example.test/ops/deploy', '--json']);
      assert.equal(pattern.code, EXIT.OK, pattern.stderr);
      const json = JSON.parse(pattern.stdout);
      assert.equal(json.allowed, true);
      assert.deepEqual(json.steps.map((s: { rule: { index: number } | null }) => s.rule?.index), [2]);
      assert.match(json.steps[0].because, /userPattern ops-\[a-z0-9-\]\+ matches/);
      const internal = await cli(env, ['check-access', '--user', admin.username, '--url', 'http://wiki.internal.example.test/']);
      assert.equal(internal.code, EXIT.REFUSED);
      assert.match(internal.stdout, /decided by rule 3 \(host \.internal\.example\.test, path \/\): allows nobody/);
      const fallback = await cli(env, ['check-access', '--user', plain.username, '--url', 'https://other.example.test/x']);
      assert.equal(fallback.code, EXIT.OK);
      assert.match(fallback.stdout, /decided by the default \("any"\), no rule matched: allows every signed-in user/);
      // The gateway's own verdicts on the same requests.
      const plainIn = await signIn(gw, plain.username, plain.password);
      const verify = (who: SignedIn, url: string) => gw.http.get('/auth/verify').set(who.auth).set('X-Original-URL', url).set('X-Original-Method', 'GET');
      assert.equal((await verify(plainIn, 'https://app.example.test/admin/users')).status, 403);
      assert.equal((await verify(admin, 'https://app.example.test/admin/users')).status, 200);
      assert.equal((await verify(plainIn, 'https://other.example.test/x')).status, 200);
      assert.equal((await cli(env, ['check-access', '--user', 'no-such-user', '--url', 'https://app.example.test/'])).code, EXIT.NOT_FOUND);
    });
  });
}
