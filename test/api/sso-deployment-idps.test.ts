// Identity providers from the deployment's file (GATEWAY_IDP_FILE, Memos contract §1.4): listed publicly without
// secrets, usable for sign-in, read-only through the API (400 FailedPrecondition), shadowing a stored provider
// with the same uid; a broken file stops the start (openDeps, `npm start -- --check-config`) listing every problem.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { requireConfig } from '../../src/config.js';
import { openDeps } from '../../src/deps.js';
import { compileDeploymentIdps, DeploymentIdpsError } from '../../src/sso/deployment-idps.js';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { ROOT } from '../support/process-gateway.js';
import { createAdmin, type SignedIn } from '../support/users.js';
import {
  authorizeAtOidc,
  createIdp,
  finishFlow,
  githubIdpBody,
  GITHUB_CLIENT,
  meFromRefreshCookie,
  OIDC_CLIENT,
  oidcIdpBody,
  setGeneral,
  startFlow,
  startProviders,
  TEST_ENV,
  type Providers,
} from '../support/sso.js';

const DEPLOYMENT_MESSAGE = (uid: string) => `identity provider "${uid}" is configured by the deployment`;

let providers: Providers;
let dir: string;
before(async () => {
  providers = await startProviders();
  dir = mkdtempSync(join(tmpdir(), 'gw-idp-file-'));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await providers.stop();
});

let fileCount = 0;
function writeFile(content: string): string {
  const path = join(dir, `file-${++fileCount}`);
  writeFileSync(path, content);
  return path;
}
const writeJson = (value: unknown) => writeFile(JSON.stringify(value, null, 2));

/** The OIDC test provider as a file entry whose secret comes from a Docker-style secret file (trailing newline). */
function oidcEntry(uid: string, secretFile: string) {
  const body = oidcIdpBody(providers.op, { title: 'Corporate SSO' });
  const { clientSecret: _inline, ...oauth2 } = body.config.oauth2Config;
  return { uid, ...body, config: { oauth2Config: { ...oauth2, clientSecretFile: secretFile } } };
}

const githubEntry = (uid: string) => ({ uid, ...githubIdpBody(providers.gh, { title: 'GitHub (file)' }) });

for (const mode of STORAGE_MODES) {
  describe(`identity providers from the deployment file [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      const secretFile = writeFile(`${OIDC_CLIENT.client_secret}\n`);
      const idpFile = writeJson({ identityProviders: [oidcEntry('corp-sso', secretFile), githubEntry('gh-file')] });
      gw = await startTestGateway(mode, { env: { ...TEST_ENV, GATEWAY_IDP_FILE: idpFile } });
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    test('the public list, the admin get and the sign-in page show the file providers, never their secrets', async () => {
      const list = await gw.http.get('/api/v1/identity-providers');
      assert.equal(list.status, 200);
      const names = list.body.identityProviders.map((idp: { name: string }) => idp.name);
      assert.deepEqual(names, ['identity-providers/corp-sso', 'identity-providers/gh-file']);
      const [corp, gh] = list.body.identityProviders;
      assert.equal(corp.title, 'Corporate SSO');
      assert.equal(corp.config.oauth2Config.issuer, providers.op.issuer);
      assert.equal(corp.config.oauth2Config.clientSecret, '');
      assert.equal('clientSecretFile' in corp.config.oauth2Config, false);
      assert.equal(gh.config.oauth2Config.clientSecret, '');
      assert.equal(gh.config.oauth2Config.userInfoUrl, providers.gh.userInfoUrl);
      const one = await gw.http.get('/api/v1/identity-providers/corp-sso').set(admin.auth);
      assert.equal(one.status, 200);
      assert.deepEqual(one.body, corp);
      const page = await gw.http.get('/auth');
      assert.match(page.text, /href="\/auth\/sso\/corp-sso/);
      assert.match(page.text, /GitHub \(file\)/);
      for (const res of [list, one, page]) {
        assert.doesNotMatch(res.text, new RegExp(OIDC_CLIENT.client_secret));
        assert.doesNotMatch(res.text, new RegExp(GITHUB_CLIENT.client_secret));
      }
    });

    test('a browser sign-in through a file provider uses the secret read from clientSecretFile and links the user', async () => {
      assert.equal(gw.deps.deploymentIdps.providers[0]?.config.clientSecret, OIDC_CLIENT.client_secret, 'the newline of the secret file is not part of the secret');
      const flow = await startFlow(gw, 'corp-sso', { redirect: '/apps/wiki' });
      assert.equal(flow.authorizeUrl.origin, new URL(providers.op.issuer).origin);
      const res = await finishFlow(gw, await authorizeAtOidc(gw, flow.authorizeUrl, 'alice'), flow.cookie);
      assert.equal(res.status, 302, JSON.stringify(res.body));
      assert.equal(res.headers.location, '/apps/wiki');
      const me = await meFromRefreshCookie(gw, res.headers['set-cookie']);
      assert.deepEqual([me.username, me.email, me.role], ['alice-sub', 'alice@corp.example', 'USER']);
      const identity = await gw.deps.store.identities.find('corp-sso', 'alice-sub');
      assert.equal(identity?.userId, Number(me.name.split('/')[1]));
    });

    test('create, update and delete of a file uid answer 400 FailedPrecondition with Memos\' message and change nothing', async () => {
      const expected = { code: 9, message: DEPLOYMENT_MESSAGE('corp-sso'), details: [] };
      const create = await gw.http.post('/api/v1/identity-providers?identityProviderId=corp-sso').set(admin.auth).send(githubIdpBody(providers.gh));
      const update = await gw.http.patch('/api/v1/identity-providers/corp-sso?updateMask=title').set(admin.auth).send({ title: 'Renamed' });
      const remove = await gw.http.delete('/api/v1/identity-providers/corp-sso').set(admin.auth);
      for (const res of [create, update, remove]) {
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, expected);
      }
      const ghUpdate = await gw.http.patch('/api/v1/identity-providers/gh-file').set(admin.auth).send({ title: 'Renamed' });
      assert.deepEqual([ghUpdate.status, ghUpdate.body.message], [400, DEPLOYMENT_MESSAGE('gh-file')]);
      assert.deepEqual(await gw.deps.store.idps.list(), []);
      const list = await gw.http.get('/api/v1/identity-providers');
      assert.deepEqual(list.body.identityProviders.map((idp: { title: string }) => idp.title), ['Corporate SSO', 'GitHub (file)']);
    });

    test('the refusal needs an administrator first: a plain request to change a file provider is 401', async () => {
      const res = await gw.http.delete('/api/v1/identity-providers/corp-sso');
      assert.equal(res.status, 401);
    });

    test('a stored provider with a file uid is shadowed: list, get and sign-in use the file entry, and its id finds nothing', async () => {
      const stored = await gw.deps.store.idps.create({
        uid: 'corp-sso',
        title: 'Stored copy',
        type: 'OAUTH2',
        identifierFilter: '',
        config: { ...githubIdpBody(providers.gh).config.oauth2Config, issuer: '', redirectUris: [] },
        createdAt: gw.clock.now(),
      });
      await createIdp(gw, admin, githubIdpBody(providers.gh, { title: 'Team GitHub' }), 'team');
      const list = await gw.http.get('/api/v1/identity-providers');
      assert.deepEqual(
        list.body.identityProviders.map((idp: { name: string; title: string }) => [idp.name, idp.title]),
        [['identity-providers/corp-sso', 'Corporate SSO'], ['identity-providers/gh-file', 'GitHub (file)'], ['identity-providers/team', 'Team GitHub']],
      );
      const one = await gw.http.get('/api/v1/identity-providers/corp-sso').set(admin.auth);
      assert.equal(one.body.title, 'Corporate SSO');
      const flow = await startFlow(gw, 'corp-sso');
      assert.equal(flow.authorizeUrl.origin, new URL(providers.op.issuer).origin, 'the flow goes to the file provider, not the stored GitHub one');
      const byId = await gw.http.post('/api/v1/auth/signin').send({
        ssoCredentials: { idpId: stored.id, code: 'x', redirectUri: `${TEST_ENV.GATEWAY_INSTANCE_URL}/auth/callback`, codeVerifier: 'v'.repeat(43) },
      });
      assert.deepEqual([byId.status, byId.body.message], [400, 'identity provider not found']);
      const remove = await gw.http.delete('/api/v1/identity-providers/corp-sso').set(admin.auth);
      assert.deepEqual([remove.status, remove.body.message], [400, DEPLOYMENT_MESSAGE('corp-sso')]);
      assert.equal((await gw.deps.store.idps.findByUid('corp-sso'))?.title, 'Stored copy', 'the stored row is left alone');
    });

    test('API providers beside the file keep the usual create, update and delete; file providers count as effective', async () => {
      await setGeneral(gw, admin, { disallowPasswordAuth: true });
      const uid = await createIdp(gw, admin, githubIdpBody(providers.gh, { title: 'Team GitHub' }), 'team');
      const update = await gw.http.patch('/api/v1/identity-providers/team?updateMask=title').set(admin.auth).send({ title: 'Team' });
      assert.deepEqual([update.status, update.body.title], [200, 'Team']);
      const remove = await gw.http.delete(`/api/v1/identity-providers/${uid}`).set(admin.auth);
      assert.equal(remove.status, 200, 'the last API provider may go: the file providers remain');
      const missing = await gw.http.get('/api/v1/identity-providers/team').set(admin.auth);
      assert.equal(missing.status, 404);
      assert.equal((await gw.http.get('/api/v1/identity-providers')).body.identityProviders.length, 2);
    });
  });
}

/** A file with at least one problem of each kind the admin API checks, plus the file's own. */
function brokenFile(secretFile: string) {
  return {
    identityProviders: [
      { ...oidcEntry('bad uid!', secretFile), identifierFilter: '(unclosed' },
      { uid: 'no-fields', title: 'Nothing', config: { oauth2Config: { clientSecret: 'inline-secret-value-123' } } },
      { ...oidcEntry('missing-secret', join(dir, 'does-not-exist')) },
      { ...githubEntry('urls'), config: { oauth2Config: { ...githubEntry('urls').config.oauth2Config, tokenUrl: 'ftp://tokens.example', clientSecretFiel: 'x' } } },
      'not an object',
    ],
  };
}

const EXPECTED_PROBLEMS = [
  /^identityProviders\[0\] \(uid "bad uid!"\): uid: must be 1-36 characters/,
  /^identityProviders\[0\] \(uid "bad uid!"\): identifierFilter: not a valid RE2 regular expression/,
  /^identityProviders\[1\] \(uid "no-fields"\): config\.oauth2Config\.clientId: is required$/,
  /^identityProviders\[1\] \(uid "no-fields"\): config\.oauth2Config\.authUrl: is required/,
  /^identityProviders\[1\] \(uid "no-fields"\): config\.oauth2Config\.fieldMapping\.identifier: is required$/,
  /^identityProviders\[2\] \(uid "missing-secret"\): config\.oauth2Config\.clientSecretFile: cannot read .*does-not-exist: ENOENT$/,
  /^identityProviders\[3\] \(uid "urls"\): config\.oauth2Config: Unrecognized key: "clientSecretFiel"$/,
  /^identityProviders\[3\] \(uid "urls"\): config\.oauth2Config\.tokenUrl: must be an https URL/,
  /^identityProviders\[4\]: \(entry\): /,
];

describe('a broken identity providers file', () => {
  test('openDeps refuses to start before opening any storage, listing every problem with its provider and field', async () => {
    const secretFile = writeFile(OIDC_CLIENT.client_secret);
    const database = join(dir, 'never-created.db');
    const config = requireConfig({ GATEWAY_DATABASE_URL: `sqlite:${database}`, GATEWAY_IDP_FILE: writeJson(brokenFile(secretFile)), GATEWAY_LOG_LEVEL: 'silent' });
    await assert.rejects(openDeps(config), (err: unknown) => {
      assert.ok(err instanceof DeploymentIdpsError);
      assert.equal(err.file, config.idpFile);
      for (const pattern of EXPECTED_PROBLEMS) assert.ok(err.problems.some((p) => pattern.test(p)), `${pattern} in\n${err.problems.join('\n')}`);
      assert.doesNotMatch(err.message, /inline-secret-value-123/);
      return true;
    });
    assert.equal(existsSync(database), false, 'no database was created');
  });

  test('each entry is checked like the admin API, and the file adds its own rules: unknown keys, duplicate uid, secret given twice', async () => {
    const good = githubEntry('dup').config.oauth2Config;
    const file = writeJson({
      coment: 'a typo of comment',
      identityProviders: [
        { ...githubEntry('dup'), identifierFilter: '(unclosed', config: { oauth2Config: { ...good, tokenUrl: 'ftp://tokens.example', clientSecretFile: 'secret' } } },
        githubEntry('dup'),
      ],
    });
    const config = requireConfig({ GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'x.db')}`, GATEWAY_IDP_FILE: file, GATEWAY_LOG_LEVEL: 'silent' });
    await assert.rejects(openDeps(config), (err: unknown) => {
      assert.ok(err instanceof DeploymentIdpsError);
      assert.deepEqual(err.problems, [
        '(file): Unrecognized key: "coment"',
        'identityProviders[0] (uid "dup"): identifierFilter: not a valid RE2 regular expression (error parsing regexp: missing closing ): `(unclosed`)',
        'identityProviders[0] (uid "dup"): config.oauth2Config.tokenUrl: must be an https URL (plain http only for a loopback host on a gateway that itself runs on http, or in dev mode)',
        'identityProviders[0] (uid "dup"): config.oauth2Config.clientSecretFile: give clientSecret or clientSecretFile, not both',
        'identityProviders[1] (uid "dup"): uid: is already used by identityProviders[0]',
      ]);
      return true;
    });
  });

  test('an unknown file, a file that is not JSON, and a file without the list are refused with that reason', async () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'no-such-file.json'), /^cannot read: ENOENT$/],
      [writeFile(`{"identityProviders": [{"clientSecret": "leaky-secret-987" "uid": "x"}]}`), /^not valid JSON at line 1, column \d+$/],
      [writeFile(`{"identityProviders": [{"clientSecret": leaky-secret-987}]}`), /^not valid JSON/],
      [writeJson({ providers: [] }), /identityProviders: is required|providers/],
    ];
    for (const [file, pattern] of cases) {
      const config = requireConfig({ GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'y.db')}`, GATEWAY_IDP_FILE: file, GATEWAY_LOG_LEVEL: 'silent' });
      await assert.rejects(openDeps(config), (err: unknown) => {
        assert.ok(err instanceof DeploymentIdpsError, String(err));
        assert.ok(err.problems.some((p) => pattern.test(p)), `${pattern} in ${err.problems.join(' | ')}`);
        assert.doesNotMatch(err.message, /leaky-secret/);
        return true;
      });
    }
  });

  test('config/idps.example.json is valid once its secret files exist', () => {
    const example = JSON.parse(readFileSync(join(ROOT, 'config/idps.example.json'), 'utf8')) as { identityProviders: { config: { oauth2Config: { clientSecretFile: string } } }[] };
    for (const entry of example.identityProviders) entry.config.oauth2Config.clientSecretFile = writeFile('example-secret');
    const config = requireConfig({ GATEWAY_INSTANCE_URL: 'https://auth.example.com' });
    const idps = compileDeploymentIdps(config, example, 'config/idps.example.json', new Date());
    assert.deepEqual(idps.providers.map((idp) => idp.uid), ['github', 'corp-sso']);
    assert.ok(Object.isFrozen(idps.providers[0]!.config), 'the providers are frozen');
  });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm start -- --check-config` with only the given GATEWAY_* variables. */
function checkConfig(env: Record<string, string>): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GATEWAY_')));
  return new Promise((resolve) => {
    execFile('npm', ['start', '--silent', '--', '--check-config'], { cwd: ROOT, env: { ...base, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('npm start -- --check-config', () => {
  test('accepts valid files, says what it found, and creates no database', async () => {
    const database = join(dir, 'check.db');
    const idpFile = writeJson({ identityProviders: [githubEntry('gh-file')] });
    const run = await checkConfig({ GATEWAY_DATABASE_URL: `sqlite:${database}`, GATEWAY_IDP_FILE: idpFile, GATEWAY_ACCESS_RULES_FILE: join(ROOT, 'config/access-rules.example.json') });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /configuration is valid/);
    assert.match(run.stdout, /1 identity provider\(s\) from /);
    assert.match(run.stdout, /5 access rule\(s\) from /);
    assert.equal(existsSync(database), false);
  });

  test('exits 1 listing every problem of a broken identity providers file', async () => {
    const idpFile = writeJson(brokenFile(writeFile('secret')));
    const run = await checkConfig({ GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'check2.db')}`, GATEWAY_IDP_FILE: idpFile });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`invalid identity providers file ${idpFile}:`));
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4));
    for (const pattern of EXPECTED_PROBLEMS) assert.ok(lines.some((l) => pattern.test(l)), `${pattern} in\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /inline-secret-value-123/);
  });

  test('exits 1 on a broken access-rules file too, and reports both files when both are broken', async () => {
    const rulesFile = writeJson({ rules: [{ host: 'bad host!', allow: 'any' }] });
    const onlyRules = await checkConfig({ GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'check3.db')}`, GATEWAY_ACCESS_RULES_FILE: rulesFile });
    assert.equal(onlyRules.code, 1);
    assert.match(onlyRules.stderr, new RegExp(`invalid access rules file ${rulesFile}:\\n  - ${rulesFile}:\\d+:\\d+: rules\\.0\\.host: `));
    const both = await checkConfig({
      GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'check3.db')}`,
      GATEWAY_ACCESS_RULES_FILE: rulesFile,
      GATEWAY_IDP_FILE: join(dir, 'absent.json'),
    });
    assert.equal(both.code, 1);
    assert.match(both.stderr, /invalid identity providers file .*absent\.json:\n  - cannot read: ENOENT/);
    assert.match(both.stderr, /invalid access rules file /);
  });
});
