// Relying parties from the deployment's file (GATEWAY_OIDC_CLIENTS_FILE): usable at once (the secret read from
// clientSecretFile), listed by the API as DEPLOYMENT and read-only there (400 FailedPrecondition), shadowing a
// stored client with the same id; a broken file stops the start (openDeps, `npm start -- --check-config`) listing
// every problem with its field and never the secret.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireConfig } from '../../src/config.js';
import { openDeps } from '../../src/deps.js';
import { compileDeploymentOidcClients, DeploymentOidcClientsError } from '../../src/oidc-provider/deployment-clients.js';
import { CookieJar } from '../support/cookie-jar.js';
import { STORAGE_MODES } from '../support/gateway.js';
import { authorizeByFetch, pkcePair, postForm, startOpGateway, type OpGateway } from '../support/oidc-op.js';
import { ROOT } from '../support/process-gateway.js';
import { createAdmin, createUser, signIn, type SignedIn } from '../support/users.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const SECRET = 'file-managed-secret-0123456789abcdef0123456789';
const dir = mkdtempSync(join(tmpdir(), 'gw-oidc-clients-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeJson(value: unknown, name = `clients-${Math.random().toString(36).slice(2)}.json`): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

const grafana = { clientId: 'grafana', displayName: 'Grafana', redirectUris: [REDIRECT], consent: 'SKIP', clientSecretFile: 'grafana.secret', tokenLifetimes: { accessToken: 900 } };
writeFileSync(join(dir, 'grafana.secret'), `${SECRET}\n`);

/** One entry per fault, and a fault of the file itself, so every problem has to be reported at once. */
const BROKEN = {
  clients: [
    { ...grafana, redirectUris: ['https://app.example/cb#frag'] },
    { clientId: 'no secret', displayName: 'X', redirectUris: [REDIRECT] },
    { clientId: 'pub', displayName: 'Pub', redirectUris: [REDIRECT], public: true, requirePkce: false },
    { clientId: 'inline', displayName: 'Inline', redirectUris: [REDIRECT], clientSecret: 'inline-secret-value-0123456789abcdef', clientSecretFile: 'grafana.secret' },
    { clientId: 'grants', displayName: 'G', redirectUris: [REDIRECT], clientSecret: 'inline-secret-value-0123456789abcdef', grantTypes: ['refresh_token'], tokenLifetimes: { accessToken: 5 } },
    { ...grafana, displayName: 'Twice' },
    { clientId: 'typo', displayName: 'T', redirectUris: [REDIRECT], clientSecretFiel: 'x' },
  ],
};
const EXPECTED = [
  /^clients\[0\] \(clientId "grafana"\): redirectUris\[0\]: must be an absolute http\(s\) URL/,
  /^clients\[1\] \(clientId "no secret"\): clientId: /,
  /^clients\[2\] \(clientId "pub"\): requirePkce: a public client must use PKCE/,
  /^clients\[3\] \(clientId "inline"\): clientSecretFile: give clientSecret or clientSecretFile, not both/,
  /^clients\[4\] \(clientId "grants"\): grantTypes: must include authorization_code/,
  /^clients\[4\] \(clientId "grants"\): tokenLifetimes\.accessToken: must be at least 60 seconds/,
  /^clients\[5\] \(clientId "grafana"\): clientId: is already used by clients\[0\]/,
  /^clients\[6\] \(clientId "typo"\): \(entry\): Unrecognized key: "clientSecretFiel"/,
];

describe('GATEWAY_OIDC_CLIENTS_FILE validation', () => {
  test('a broken file is refused with every problem, each naming its entry and field, never a secret', () => {
    const file = writeJson(BROKEN);
    let error: unknown;
    try {
      compileDeploymentOidcClients(JSON.parse(readFileSync(file, 'utf8')), file, new Date());
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof DeploymentOidcClientsError, String(error));
    for (const pattern of EXPECTED) assert.ok(error.problems.some((p) => pattern.test(p)), `${pattern} in\n${error.problems.join('\n')}`);
    assert.doesNotMatch(error.message, /inline-secret-value/);
  });

  test('openDeps refuses to start on a broken file, before any storage exists', async () => {
    const database = join(dir, 'refused.db');
    const config = requireConfig({ GATEWAY_DATABASE_URL: `sqlite:${database}`, GATEWAY_OIDC_CLIENTS_FILE: writeJson({ clients: [{ clientId: 'x' }] }) });
    await assert.rejects(openDeps(config), (err: unknown) => err instanceof DeploymentOidcClientsError && err.problems.some((p) => /displayName/.test(p)));
    assert.equal(existsSync(database), false);
  });

  test('config/oidc-clients.example.json is valid once its secret file exists', () => {
    mkdirSync(join(dir, 'example', 'secrets'), { recursive: true });
    writeFileSync(join(dir, 'example', 'secrets', 'grafana-oidc-secret'), SECRET);
    const file = join(dir, 'example', 'oidc-clients.json');
    writeFileSync(file, readFileSync(join(ROOT, 'config/oidc-clients.example.json')));
    const loaded = compileDeploymentOidcClients(JSON.parse(readFileSync(file, 'utf8')), file, new Date());
    assert.deepEqual(loaded.clients.map((c) => c.clientId), ['grafana', 'memos-spa']);
  });
});

function checkConfig(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GATEWAY_')));
  return new Promise((resolve) => {
    execFile('npm', ['start', '--silent', '--', '--check-config'], { cwd: ROOT, env: { ...base, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('npm start -- --check-config with GATEWAY_OIDC_CLIENTS_FILE', () => {
  test('says how many clients a valid file has; a broken one exits 1 listing every problem', async () => {
    const ok = await checkConfig({ GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'c1.db')}`, GATEWAY_OIDC_CLIENTS_FILE: writeJson({ clients: [grafana] }) });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /1 OIDC client\(s\) from /);
    const file = writeJson(BROKEN);
    const bad = await checkConfig({ GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'c2.db')}`, GATEWAY_OIDC_CLIENTS_FILE: file });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, new RegExp(`invalid OIDC clients file ${file}:`));
    const lines = bad.stderr.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4));
    for (const pattern of EXPECTED) assert.ok(lines.some((l) => pattern.test(l)), `${pattern} in\n${bad.stderr}`);
    assert.doesNotMatch(bad.stderr, /inline-secret-value/);
  });
});

for (const mode of STORAGE_MODES) {
  describe(`OIDC clients from the deployment file [${mode}]`, () => {
    let op: OpGateway;
    let admin: SignedIn;
    let user: SignedIn;

    before(async () => {
      op = await startOpGateway(mode, { env: { GATEWAY_OIDC_CLIENTS_FILE: writeJson({ clients: [grafana] }) } });
      admin = await createAdmin(op.gw);
      const u = await createUser(op.gw);
      user = await signIn(op.gw, u.username, u.password);
    });
    after(async () => op?.close());

    test('a file client signs a user in with the secret from its clientSecretFile, with its own lifetimes', async () => {
      const jar = new CookieJar();
      jar.cookies.set('sso_session', user.jar.cookies.get('sso_session')!);
      const pkce = await pkcePair();
      const a = await authorizeByFetch(op, jar, {
        client_id: 'grafana', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 's', nonce: 'n',
      });
      const code = a.location?.searchParams.get('code');
      assert.ok(code, `${a.location?.href} ${a.body.slice(0, 300)}`);
      const t = await postForm(`${op.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pkce.verifier, client_id: 'grafana', client_secret: SECRET });
      assert.equal(t.status, 200, t.text);
      assert.equal(t.json.expires_in, 900);
    });

    test('listed as DEPLOYMENT without a secret; change, delete, regenerate and a same-id create are refused', async () => {
      const list = await op.gw.http.get('/api/v1/oidc-clients').set(admin.auth);
      assert.equal(list.status, 200);
      const entry = list.body.clients.find((c: { clientId: string }) => c.clientId === 'grafana');
      assert.equal(entry?.managedBy, 'DEPLOYMENT');
      assert.doesNotMatch(JSON.stringify(list.body), new RegExp(SECRET));
      assert.equal((await op.gw.http.get('/api/v1/oidc-clients/grafana').set(admin.auth)).body.managedBy, 'DEPLOYMENT');
      const refusals = [
        await op.gw.http.patch('/api/v1/oidc-clients/grafana?updateMask=displayName').set(admin.auth).send({ displayName: 'Mine' }),
        await op.gw.http.delete('/api/v1/oidc-clients/grafana').set(admin.auth),
        await op.gw.http.post('/api/v1/oidc-clients/grafana:regenerateSecret').set(admin.auth).send({}),
        await op.gw.http.post('/api/v1/oidc-clients').set(admin.auth).send({ clientId: 'grafana', displayName: 'Shadow', redirectUris: [REDIRECT] }),
      ];
      for (const res of refusals) {
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.match(res.body.message, /configured by the deployment/);
      }
      assert.equal((await op.gw.deps.store.oidcClients.findById('grafana')), null, 'nothing was stored');
    });
  });
}
