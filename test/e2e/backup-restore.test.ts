// The backup/restore drill on both databases, with a real gateway process: back up (on SQLite while sign-ups keep
// writing), change data (a new user, a revoked session), stop, restore, start, and the state is the backed-up one:
// the revoked session's refresh token works again, the new user is gone. A backup whose schema is newer than the
// gateway's is refused and leaves the database as it was.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from '../../src/admin/cli.js';
import { EXIT } from '../../src/admin/exit-codes.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { startGatewayProcess, type GatewayProcess } from '../support/process-gateway.js';

const PASSWORD = 'correct horse battery staple';

async function cli(env: Record<string, string>, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { env: { GATEWAY_LOG_LEVEL: 'silent', ...env }, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => '' });
  return { code, stdout, stderr };
}

async function call(gw: GatewayProcess, method: string, path: string, options: { body?: unknown; bearer?: string; cookie?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.cookie) headers.cookie = options.cookie;
  const res = await fetch(`${gw.baseUrl}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {}, setCookie: res.headers.getSetCookie() };
}

async function signIn(gw: GatewayProcess, username: string) {
  const res = await call(gw, 'POST', '/api/v1/auth/signin', { body: { passwordCredentials: { username, password: PASSWORD } } });
  assert.equal(res.status, 200, `sign in ${username}: ${JSON.stringify(res.body)}`);
  const refresh = res.setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('memos_refresh='))!;
  return { accessToken: res.body.accessToken as string, refreshCookie: refresh };
}

async function signUp(gw: GatewayProcess, username: string): Promise<number> {
  return (await call(gw, 'POST', '/api/v1/users', { body: { username, password: PASSWORD } })).status;
}

interface Kind {
  name: 'sqlite' | 'mariadb';
  env: Record<string, string>;
  backupFile: string;
  /** Rewrites the backup so it claims a migration this gateway does not know. */
  makeNewer(file: string): void;
  cleanup(): Promise<void>;
}

async function makeKind(name: Kind['name']): Promise<Kind> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-drill-'));
  if (name === 'sqlite') {
    return {
      name,
      env: { GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}` },
      backupFile: join(dir, 'backup.db'),
      makeNewer(file) {
        const db = new Database(file);
        db.prepare("insert into gateway_migration (name, timestamp) values ('9999-from-the-future', ?)").run(new Date().toISOString());
        db.close();
      },
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const database: TestDatabase = await createTestDatabase();
  return {
    name,
    env: { GATEWAY_DATABASE_URL: database.url },
    backupFile: join(dir, 'backup.sql'),
    makeNewer(file) {
      const [head, ...rest] = readFileSync(file, 'utf8').split('\n');
      writeFileSync(file, [head!.replace(/migrations=(\S+)/, 'migrations=$1,9999-from-the-future'), ...rest].join('\n'));
    },
    cleanup: async () => {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

for (const kindName of ['sqlite', 'mariadb'] as const) {
  describe(`backup and restore drill on ${kindName}`, () => {
    let kind: Kind;
    let gw: GatewayProcess | null = null;

    before(async () => {
      kind = await makeKind(kindName);
    });
    after(async () => {
      await gw?.stop();
      await kind?.cleanup();
    });

    test('back up while serving, change data, restore, start: the backed-up state is back', async () => {
      gw = await startGatewayProcess(kind.env, 30_000, { direct: true });
      assert.equal(await signUp(gw, 'drill-admin'), 200);
      const admin = await signIn(gw, 'drill-admin');
      assert.equal(await signUp(gw, 'drill-user'), 200);
      const user = await signIn(gw, 'drill-user');

      // Sign-ups keep writing while the backup runs: the gateway is not stopped, and every request succeeds.
      const statuses: number[] = [];
      let loadRunning = true;
      let n = 0;
      const writer = async () => {
        while (loadRunning) statuses.push(await signUp(gw!, `drill-load-${n++}`));
      };
      const load = [writer(), writer()];
      while (statuses.length < 4) await new Promise((r) => setTimeout(r, 20));
      const doneBefore = statuses.length;
      const backup = await cli(kind.env, ['backup', '--out', kind.backupFile]);
      const startedBy = n;
      loadRunning = false;
      await Promise.all(load);
      assert.equal(backup.code, EXIT.OK, backup.stderr);
      assert.match(backup.stdout, /schema 0\d{3}-/);
      assert.ok(statuses.every((s) => s === 200), `sign-ups during the backup: ${statuses.join(',')}`);
      assert.equal(statSync(kind.backupFile).mode & 0o777, 0o600, 'the backup is readable by its owner only');
      if (kind.name === 'sqlite') {
        // One consistent state: every sign-up finished before the backup began is in it, none started after it ended.
        const copy = new Database(kind.backupFile, { readonly: true });
        const loadUsers = (copy.prepare("select count(*) as c from `user` where username like 'drill-load-%'").get() as { c: number }).c;
        assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
        copy.close();
        assert.ok(loadUsers >= doneBefore && loadUsers <= startedBy, `${doneBefore} <= ${loadUsers} <= ${startedBy}`);
      } else {
        const dump = readFileSync(kind.backupFile, 'utf8');
        assert.match(dump.split('\n')[0]!, /^-- sso-gateway backup kind=mysql schema=0\d{3}-\S+ migrations=0001-initial,/);
        assert.doesNotMatch(dump, new RegExp(new URL(kind.env.GATEWAY_DATABASE_URL!).password || 'no-password-in-url'), 'no password in the dump');
      }

      // Change: a new user, and the user's session revoked (sign-out).
      assert.equal(await signUp(gw, 'drill-new'), 200);
      assert.equal((await call(gw, 'POST', '/api/v1/auth/signout', { cookie: user.refreshCookie })).status, 200);
      assert.equal((await call(gw, 'POST', '/api/v1/auth/refresh', { cookie: user.refreshCookie })).status, 401, 'revoked');

      const refused = await cli(kind.env, ['restore', '--in', kind.backupFile]);
      assert.equal(refused.code, EXIT.USAGE, 'restore without --yes changes nothing');
      await gw.stop();
      gw = null;
      const restored = await cli(kind.env, ['restore', '--in', kind.backupFile, '--yes']);
      assert.equal(restored.code, EXIT.OK, restored.stderr);

      gw = await startGatewayProcess(kind.env, 30_000, { direct: true });
      assert.equal((await call(gw, 'POST', '/api/v1/auth/refresh', { cookie: user.refreshCookie })).status, 200, 'the revoked session lives again');
      assert.equal((await call(gw, 'POST', '/api/v1/auth/signin', { body: { passwordCredentials: { username: 'drill-new', password: PASSWORD } } })).status, 401);
      const fresh = await signIn(gw, 'drill-admin');
      assert.equal((await call(gw, 'GET', '/api/v1/users/drill-new', { bearer: fresh.accessToken })).status, 404, 'the new user is gone');
      assert.equal((await call(gw, 'GET', '/api/v1/users/drill-user', { bearer: admin.accessToken })).status, 200, 'tokens signed before the backup still verify');
      await gw.stop();
      gw = null;
    });

    test('restore refuses a backup from a newer schema (exit 4) and leaves the database as it was', async () => {
      gw = await startGatewayProcess(kind.env, 30_000, { direct: true });
      assert.equal((await cli(kind.env, ['backup', '--out', kind.backupFile])).code, EXIT.OK);
      kind.makeNewer(kind.backupFile);
      assert.equal(await signUp(gw, 'after-the-backup'), 200);
      await gw.stop();
      gw = null;
      const refused = await cli(kind.env, ['restore', '--in', kind.backupFile, '--yes']);
      assert.equal(refused.code, EXIT.REFUSED, refused.stderr);
      assert.match(refused.stderr, /newer schema \(9999-from-the-future\)/);
      gw = await startGatewayProcess(kind.env, 30_000, { direct: true });
      const res = await call(gw, 'POST', '/api/v1/auth/signin', { body: { passwordCredentials: { username: 'after-the-backup', password: PASSWORD } } });
      assert.equal(res.status, 200, 'nothing was restored');
      assert.equal((await cli(kind.env, ['restore', '--in', join(tmpdir(), 'no-such-backup.db'), '--yes'])).code, EXIT.NOT_FOUND);
    });
  });
}
