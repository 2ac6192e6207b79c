// Static checks of the deployment files: nginx/ (rendered config passes `nginx -t`; structure: auth_request on
// every app location, security headers everywhere, forwarding headers set by nginx, rate limits), docker-compose.yml
// (validates on a fresh clone, 2 gateway replicas, health checks, no literal secrets), Dockerfile (lint + what we
// require; its runtime stage: production dependencies and dist/ only), scripts/make-cert.sh, and the production
// bundle started on a production-only install. Each structural check also runs on a broken sample to show it can fail.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  MAKE_CERT_SCRIPT,
  REPO_ROOT,
  SHIPPED_NGINX_DIR,
  findDirectives,
  parseNginxConfig,
  renderNginxConfig,
  shippedNginxFiles,
  type NginxDirective,
} from '../support/nginx.js';
import { findExecutable, freePort, makeServiceDir } from '../support/services.js';

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

function requireTool(name: string): string {
  const path = findExecutable(name);
  assert.ok(path, `${name} is not installed (npm test installs it: apt-get install ${name})`);
  return path;
}

// ---------------------------------------------------------------------------------------------------------------
// nginx

/** Directives directly in a block, not those of nested blocks. */
function own(block: NginxDirective): NginxDirective[] {
  return block.block ?? [];
}

function has(block: NginxDirective, name: string): boolean {
  return own(block).some((d) => d.name === name);
}

function where(d: NginxDirective): string {
  return `${d.file}:${d.line} (${d.name} ${d.args.join(' ')})`;
}

/** Locations that proxy to an app (any upstream but the gateway) without auth_request, or with a `return`. */
function unprotectedAppLocations(tree: NginxDirective[]): string[] {
  const problems: string[] = [];
  for (const { directive: loc } of findDirectives(tree, 'location')) {
    const proxies = own(loc).filter((d) => d.name === 'proxy_pass');
    const toApp = proxies.some((d) => !/^http:\/\/gateway(?:\/|$)/.test(d.args[0] ?? ''));
    if (!toApp) continue;
    const auth = own(loc).find((d) => d.name === 'auth_request');
    if (!auth || auth.args[0] === 'off') problems.push(`${where(loc)}: proxies to an app without auth_request`);
    if (has(loc, 'return')) problems.push(`${where(loc)}: a return next to auth_request skips it`);
  }
  return problems;
}

/** Servers and locations without a security-headers snippet, or with add_header but no snippet. */
function blocksMissingSecurityHeaders(tree: NginxDirective[]): string[] {
  const problems: string[] = [];
  const blocks = [...findDirectives(tree, 'server'), ...findDirectives(tree, 'location'), ...findDirectives(tree, 'if')]
    .map((f) => f.directive)
    .filter((d) => d.block && !(d.name === 'server' && d.args.length > 0)); // `server host:port;` in upstreams
  for (const block of blocks) {
    const snippet = (block.includes ?? []).some((f) => /^snippets\/security-headers-[a-z]+\.conf$/.test(f));
    const addsHeaders = has(block, 'add_header');
    if (block.name === 'if') {
      // An `if` without add_header inherits its location's; with one it must include the snippet too.
      if (addsHeaders && !snippet) problems.push(`${where(block)}: add_header without the security-headers snippet`);
      continue;
    }
    if (!snippet) problems.push(`${where(block)}: no security-headers snippet included`);
  }
  for (const { directive } of findDirectives(tree, 'add_header')) {
    if (directive.args.at(-1) !== 'always') problems.push(`${where(directive)}: add_header without always`);
  }
  return problems;
}

async function shippedTree(): Promise<NginxDirective[]> {
  return parseNginxConfig('nginx.conf', SHIPPED_NGINX_DIR);
}

function serverNamed(tree: NginxDirective[], name: string): NginxDirective {
  const server = findDirectives(tree, 'server')
    .map((f) => f.directive)
    .find((s) => own(s).some((d) => d.name === 'server_name' && d.args.includes(name)) && own(s).some((d) => d.name === 'listen' && d.args.includes('ssl')));
  assert.ok(server, `a TLS server block for ${name}`);
  return server;
}

function locationOf(server: NginxDirective, ...args: string[]): NginxDirective {
  const loc = own(server).find((d) => d.name === 'location' && d.args.join(' ') === args.join(' '));
  assert.ok(loc, `location ${args.join(' ')}`);
  return loc;
}

function headerValue(block: NginxDirective, header: string): string | undefined {
  const d = own(block).find((x) => x.name === 'proxy_set_header' && x.args[0]?.toLowerCase() === header.toLowerCase());
  return d?.args[1];
}

describe('nginx configuration', () => {
  test('the rendered config passes nginx -t, and the renderer changed only deployment-specific lines', async () => {
    const nginx = requireTool('nginx');
    const dir = await makeServiceDir('nginx-t');
    const certDir = join(dir, 'certs');
    const cert = await run('bash', [MAKE_CERT_SCRIPT, certDir]);
    assert.equal(cert.code, 0, cert.stderr);
    const rendered = await renderNginxConfig({
      dir,
      certDir,
      gatewayPort: [18081, 18082],
      appPort: 18090,
      httpPort: 18000,
      httpsPort: 18443,
      statusPort: 18001,
    });
    const tested = await run(nginx, ['-t', '-c', rendered.confPath, '-p', `${dir}/`, '-e', rendered.errorLog]);
    assert.equal(tested.code, 0, `nginx -t:\n${tested.stdout}${tested.stderr}`);
    assert.match(tested.stderr, /test is successful/);

    // Every line the renderer may touch matches one of these; all other lines are byte-identical.
    const deploymentLine =
      /^\s*(?:listen|server|user|pid|error_log|access_log|ssl_certificate(?:_key)?|root|\w+_temp_path)\s|\/etc\/nginx\/certs\/|\/var\/log\/nginx\//;
    for (const file of rendered.files) {
      const shipped = (await readFile(join(SHIPPED_NGINX_DIR, file), 'utf8')).split('\n').filter((l) => !deploymentLine.test(l));
      const ours = (await readFile(join(dir, file), 'utf8')).split('\n').filter((l) => !deploymentLine.test(l));
      assert.deepEqual(ours, shipped, `${file}: only deployment-specific lines may differ`);
    }
    const upstreams = await readFile(rendered.confPath, 'utf8');
    assert.match(upstreams, /server 127\.0\.0\.1:18081 max_fails=3 fail_timeout=10s;\s+server 127\.0\.0\.1:18082 max_fails=3/);
    assert.doesNotMatch(upstreams, /^\s*user\s/m);
  });

  test('the renderer fails loudly when a value it rewrites is missing', async () => {
    const dir = await makeServiceDir('nginx-render-bad');
    const src = join(dir, 'src');
    await cp(SHIPPED_NGINX_DIR, src, { recursive: true });
    const conf = await readFile(join(src, 'nginx.conf'), 'utf8');
    const withoutGateway = conf.replace(/^\s*server gateway:8081[^\n]*\n/m, '');
    assert.notEqual(withoutGateway, conf);
    await writeFile(join(src, 'nginx.conf'), withoutGateway);
    await assert.rejects(
      renderNginxConfig({ dir: join(dir, 'out'), sourceDir: src, gatewayPort: 1, appPort: 2, httpPort: 3, httpsPort: 4, statusPort: 5 }),
      /no longer contains: upstream gateway server/,
    );
  });

  test('every location that proxies to the protected app has auth_request (and no return)', async () => {
    const tree = await shippedTree();
    assert.deepEqual(unprotectedAppLocations(tree), []);
    const app = serverNamed(tree, 'app.example.test');
    const appLocations = own(app).filter((d) => d.name === 'location' && own(d).some((x) => x.name === 'proxy_pass'));
    assert.ok(appLocations.length >= 3, 'browser, API and verify locations');
    // The check itself catches an unprotected location.
    const broken = structuredClone(tree);
    const brokenApp = serverNamed(broken, 'app.example.test');
    const api = locationOf(brokenApp, '/api/');
    api.block = own(api).filter((d) => d.name !== 'auth_request');
    assert.equal(unprotectedAppLocations(broken).length, 1);
  });

  test('the auth_request subrequest: internal, no body, original URL and method set by nginx', async () => {
    const app = serverNamed(await shippedTree(), 'app.example.test');
    const verify = locationOf(app, '=', '/_sso/verify');
    assert.ok(has(verify, 'internal'));
    assert.deepEqual(own(verify).find((d) => d.name === 'proxy_pass_request_body')?.args, ['off']);
    assert.equal(headerValue(verify, 'Content-Length'), '');
    assert.equal(headerValue(verify, 'X-Original-URL'), '$scheme://$auth_original_host$request_uri');
    assert.equal(headerValue(verify, 'X-Original-Method'), '$request_method');
    assert.match(own(verify).find((d) => d.name === 'proxy_pass')?.args[0] ?? '', /^http:\/\/gateway\/auth\/verify$/);

    const browser = locationOf(app, '/');
    const api = locationOf(app, '/api/');
    for (const loc of [browser, api]) {
      assert.deepEqual(own(loc).find((d) => d.name === 'auth_request')?.args, ['/_sso/verify']);
      for (const [header, variable] of [
        ['X-Auth-Request-User', '$auth_user'],
        ['X-Auth-Request-Email', '$auth_email'],
        ['X-Auth-Request-User-Id', '$auth_user_id'],
        ['X-Auth-Request-Role', '$auth_role'],
      ] as const) {
        assert.equal(headerValue(loc, header), variable, `${header} re-set from the gateway's answer`);
      }
      assert.equal(headerValue(loc, 'Cookie'), '$app_cookie', 'gateway cookies stripped');
      const sets = own(loc).filter((d) => d.name === 'auth_request_set').map((d) => d.args.join(' '));
      assert.ok(sets.includes('$auth_location $upstream_http_location'));
    }
    assert.deepEqual(own(browser).find((d) => d.name === 'error_page')?.args, ['401', '=', '@sso_signin']);
    assert.equal(own(api).find((d) => d.name === 'error_page'), undefined, 'the API location keeps a plain 401');
    const signin = locationOf(app, '@sso_signin');
    assert.deepEqual(own(signin).find((d) => d.name === 'return')?.args, ['302', '$auth_location']);
  });

  test('security headers: a snippet in every server and location, every add_header `always`', async () => {
    const tree = await shippedTree();
    assert.deepEqual(blocksMissingSecurityHeaders(tree), []);
    const common = await readFile(join(SHIPPED_NGINX_DIR, 'snippets/security-headers-common.conf'), 'utf8');
    assert.match(common, /add_header Strict-Transport-Security "max-age=\d+[^"]*" always;/);
    assert.match(common, /add_header X-Content-Type-Options "nosniff" always;/);
    const gateway = await readFile(join(SHIPPED_NGINX_DIR, 'snippets/security-headers-gateway.conf'), 'utf8');
    assert.match(gateway, /add_header Content-Security-Policy "[^"]*frame-ancestors 'none'[^"]*" always;/);
    assert.match(gateway, /add_header X-Frame-Options "DENY" always;/);
    assert.match(gateway, /add_header Referrer-Policy "[^"]+" always;/);

    // The check catches a location with its own add_header and no snippet.
    const broken = structuredClone(tree);
    const loc = locationOf(serverNamed(broken, 'auth.example.test'), '/api/');
    loc.includes = (loc.includes ?? []).filter((f) => !f.includes('security-headers'));
    loc.block = [...own(loc), { name: 'add_header', args: ['X-Test', '1', 'always'], file: 'x', line: 1 }];
    assert.equal(blocksMissingSecurityHeaders(broken).length, 1);
  });

  test('forwarding headers are set by nginx in every proxied location, with keepalive to upstreams', async () => {
    const tree = await shippedTree();
    const text = (await Promise.all(shippedNginxFiles().map((f) => readFile(join(SHIPPED_NGINX_DIR, f), 'utf8')))).join('\n');
    assert.doesNotMatch(text.replace(/#.*$/gm, ''), /\$proxy_add_x_forwarded_for|\$http_x_forwarded/, 'never the client value');
    const proxied = findDirectives(tree, 'location')
      .map((f) => f.directive)
      .filter((l) => has(l, 'proxy_pass'));
    assert.ok(proxied.length >= 8);
    for (const loc of proxied) {
      assert.equal(headerValue(loc, 'Host'), '$host', where(loc));
      assert.equal(headerValue(loc, 'X-Forwarded-For'), '$remote_addr', where(loc));
      assert.equal(headerValue(loc, 'X-Real-IP'), '$remote_addr', where(loc));
      assert.equal(headerValue(loc, 'X-Forwarded-Proto'), '$scheme', where(loc));
      assert.equal(headerValue(loc, 'X-Forwarded-Host'), '$host', where(loc));
      assert.equal(headerValue(loc, 'Connection'), '', where(loc));
      assert.deepEqual(own(loc).find((d) => d.name === 'proxy_http_version')?.args, ['1.1'], where(loc));
      assert.ok(has(loc, 'proxy_buffer_size') && has(loc, 'proxy_buffers'), where(loc));
    }
    for (const name of ['gateway', 'app']) {
      const upstream = findDirectives(tree, 'upstream').find((f) => f.directive.args[0] === name)?.directive;
      assert.ok(upstream && has(upstream, 'keepalive'), `upstream ${name} keeps connections alive`);
    }
    const http = tree.find((d) => d.name === 'http');
    assert.ok(http);
    assert.deepEqual(own(http).find((d) => d.name === 'underscores_in_headers')?.args, ['off']);
  });

  test('rate limits on sign-in, refresh, /auth/ and the API answer 429', async () => {
    const tree = await shippedTree();
    const http = tree.find((d) => d.name === 'http');
    assert.ok(http);
    assert.deepEqual(own(http).find((d) => d.name === 'limit_req_status')?.args, ['429']);
    const gateway = serverNamed(tree, 'auth.example.test');
    const zoneOf = (loc: NginxDirective): string | undefined =>
      own(loc).find((d) => d.name === 'limit_req')?.args.find((a) => a.startsWith('zone='));
    assert.equal(zoneOf(locationOf(gateway, '=', '/api/v1/auth/signin')), 'zone=gw_signin');
    assert.equal(zoneOf(locationOf(gateway, '=', '/api/v1/auth/refresh')), 'zone=gw_refresh');
    assert.equal(zoneOf(locationOf(gateway, '/auth/')), 'zone=gw_pages');
    assert.equal(zoneOf(locationOf(gateway, '/api/')), 'zone=gw_api');
    const zones = own(http).filter((d) => d.name === 'limit_req_zone').map((d) => d.args.find((a) => a.startsWith('zone='))?.split(':')[0]);
    for (const zone of ['zone=gw_signin', 'zone=gw_refresh', 'zone=gw_pages', 'zone=gw_api']) assert.ok(zones.includes(zone), zone);
    // /auth/verify is not offered on the public gateway host.
    const verify = locationOf(gateway, '=', '/auth/verify');
    assert.deepEqual(own(verify).find((d) => d.name === 'return')?.args, ['404']);
  });

  test('plain HTTP redirects to HTTPS; TLS certs come from /etc/nginx/certs/', async () => {
    const tree = await shippedTree();
    const plain = findDirectives(tree, 'server')
      .map((f) => f.directive)
      .find((s) => own(s).some((d) => d.name === 'listen' && d.args[0] === '80' && !d.args.includes('default_server')));
    assert.ok(plain);
    const root = locationOf(plain, '/');
    assert.deepEqual(own(root).find((d) => d.name === 'return')?.args, ['301', 'https://$host$request_uri']);
    const certs = findDirectives(tree, 'ssl_certificate').map((f) => f.directive.args[0]);
    assert.ok(certs.length >= 2 && certs.every((c) => c?.startsWith('/etc/nginx/certs/')), certs.join(', '));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// make-cert.sh

describe('scripts/make-cert.sh', () => {
  test('makes a key and a self-signed cert with SANs for both hosts, localhost and 127.0.0.1', async () => {
    const openssl = requireTool('openssl');
    const dir = join(await makeServiceDir('cert'), 'out');
    const made = await run('bash', [MAKE_CERT_SCRIPT, dir]);
    assert.equal(made.code, 0, made.stderr);
    const text = await run(openssl, ['x509', '-in', join(dir, 'fullchain.pem'), '-noout', '-text']);
    assert.equal(text.code, 0);
    for (const san of ['DNS:auth.example.test', 'DNS:app.example.test', 'DNS:localhost', 'IP Address:127.0.0.1']) {
      assert.ok(text.stdout.includes(san), `SAN ${san}`);
    }
    const certKey = await run(openssl, ['x509', '-in', join(dir, 'fullchain.pem'), '-noout', '-pubkey']);
    const keyPub = await run(openssl, ['pkey', '-in', join(dir, 'privkey.pem'), '-pubout']);
    assert.equal(certKey.stdout, keyPub.stdout, 'key matches the certificate');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml

const SECRET_KEY = /pass(?:word)?|secret|token|private|api_?key|credential/i;

/** `docker-compose config` (merged, optionally not interpolated) as JSON, through python3-yaml (docker-compose's own dependency). */
async function yamlToJson(text: string): Promise<Record<string, any>> {
  const json = await run('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: text });
  assert.equal(json.code, 0, json.stderr);
  return JSON.parse(json.stdout) as Record<string, any>;
}

/** `docker-compose config` (merged and interpolated) as JSON, through python3-yaml (docker-compose's own dependency). */
async function composeConfig(dir: string, env: NodeJS.ProcessEnv): Promise<Record<string, any>> {
  const compose = requireTool('docker-compose');
  const out = await run(compose, ['-f', join(dir, 'docker-compose.yml'), '--project-directory', dir, 'config'], { cwd: dir, env });
  assert.equal(out.code, 0, `docker-compose config:\n${out.stderr}`);
  return yamlToJson(out.stdout);
}

/**
 * The compose file as written (YAML anchors and merge keys resolved, ${...} not interpolated). docker-compose 1.29's
 * own `config --no-interpolate` crashes on health-check intervals.
 */
async function rawCompose(): Promise<Record<string, any>> {
  return yamlToJson(await readFile(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'));
}

/** A copy of what a fresh clone has for compose: no .env, no config/compose.env. */
async function freshCloneCopy(): Promise<string> {
  const dir = await makeServiceDir('compose');
  for (const file of ['docker-compose.yml', 'Dockerfile', '.dockerignore', 'package.json']) {
    if (existsSync(join(REPO_ROOT, file))) await cp(join(REPO_ROOT, file), join(dir, file));
  }
  await mkdir(join(dir, 'config'), { recursive: true });
  await cp(join(REPO_ROOT, 'config', 'compose.env.example'), join(dir, 'config', 'compose.env.example'));
  await cp(SHIPPED_NGINX_DIR, join(dir, 'nginx'), { recursive: true });
  return dir;
}

/** Only what a shell needs: none of the developer's variables can fill in a secret. */
function bareEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
}

/**
 * Literal secrets: a secret-looking key, or the password of a URL, whose value is not exactly one `${VAR}` without
 * a default (`${VAR}`, `${VAR:-}`, `${VAR:?message}`). A `${VAR:-default}` counts as its default, a literal.
 */
function literalSecrets(services: Record<string, any>): string[] {
  const problems: string[] = [];
  const neutral = (value: string): string =>
    value.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*)|:?\?[^}]*)?\}/g, (_m, name: string, def: string | undefined) => def || `<<${name}>>`);
  const onlyVariable = /^<<[A-Z0-9_]+>>$/;
  for (const [name, service] of Object.entries(services)) {
    const env = (service.environment ?? {}) as Record<string, string | null>;
    for (const [key, raw] of Object.entries(env)) {
      const value = neutral(String(raw ?? ''));
      if (SECRET_KEY.test(key) && value !== '' && !onlyVariable.test(value)) problems.push(`${name}: ${key}=${raw}`);
      for (const url of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:([^@\s]*)@/gi)) {
        if (!onlyVariable.test(url[1] ?? '')) problems.push(`${name}: ${key} has a literal URL password (${raw})`);
      }
    }
  }
  return problems;
}

describe('docker-compose.yml', () => {
  test('docker-compose config -q passes on a fresh clone (no .env, no env files)', async () => {
    const compose = requireTool('docker-compose');
    const dir = await freshCloneCopy();
    assert.equal(existsSync(join(dir, '.env')), false);
    const out = await run(compose, ['-f', join(dir, 'docker-compose.yml'), '--project-directory', dir, 'config', '-q'], { cwd: dir, env: bareEnv() });
    assert.equal(out.code, 0, `docker-compose config -q:\n${out.stdout}${out.stderr}`);
  });

  test('secrets come from .env: filled in when present, empty (and refused at start) when not', async () => {
    const dir = await freshCloneCopy();
    const bare = await composeConfig(dir, bareEnv());
    assert.equal(bare.services.mysql.environment.MYSQL_ROOT_PASSWORD, '');
    assert.match(bare.services.mysql.command.join(' '), /-z "\$\$MYSQL_ROOT_PASSWORD"[\s\S]*exit 1/);
    assert.match(bare.services.redis.command.join(' '), /-z "\$\$REDIS_PASSWORD"[\s\S]*exit 1/);

    await writeFile(join(dir, '.env'), 'MYSQL_ROOT_PASSWORD=r00t-hex\nMYSQL_PASSWORD=app-hex\nREDIS_PASSWORD=redis-hex\n');
    const filled = await composeConfig(dir, bareEnv());
    assert.equal(filled.services.mysql.environment.MYSQL_ROOT_PASSWORD, 'r00t-hex');
    assert.equal(filled.services['gateway-1'].environment.GATEWAY_DATABASE_URL, 'mysql://sso:app-hex@mysql:3306/sso_gateway');
    assert.equal(filled.services['gateway-2'].environment.GATEWAY_REDIS_URL, 'redis://:redis-hex@redis:6379/0');
  });

  test('no literal secrets in the compose file or the committed example env', async () => {
    const raw = await rawCompose();
    assert.ok(raw.services['gateway-1']?.environment?.GATEWAY_DATABASE_URL, 'merge keys resolved');
    assert.deepEqual(literalSecrets(raw.services), []);
    // The check catches a literal.
    assert.equal(literalSecrets({ db: { environment: { MYSQL_PASSWORD: 'hunter2', URL: 'mysql://u:hunter2@db/x' } } }).length, 2);
    assert.equal(literalSecrets({ db: { environment: { MYSQL_PASSWORD: '${MYSQL_PASSWORD:-changeme}' } } }).length, 1);
    assert.equal(literalSecrets({ db: { environment: { URL: 'redis://:${REDIS_PASSWORD:-changeme}@redis' } } }).length, 1);
    assert.equal(literalSecrets({ db: { environment: { URL: 'mysql://${U:-sso}:${P:-}@db/x', PASSWORD: '${P:?set P}' } } }).length, 0);

    const text = await readFile(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    assert.doesNotMatch(text.replace(/#.*$/gm, ''), /(?:password|secret)\s*[:=]\s*(?!\$\{)["']?\w/i);

    const example = await readFile(join(REPO_ROOT, 'config', 'compose.env.example'), 'utf8');
    for (const line of example.split('\n')) {
      const m = /^\s*([A-Z0-9_]+)\s*=(.*)$/.exec(line);
      if (m && SECRET_KEY.test(m[1] ?? '')) assert.equal((m[2] ?? '').trim(), '', `${m[1]} must be empty in the example`);
    }
    assert.match(example, /^MYSQL_ROOT_PASSWORD=$/m);
    assert.match(example, /^REDIS_PASSWORD=$/m);
  });

  test('two gateway replicas, health checks with start_period, healthy dependencies, MySQL on a named volume', async () => {
    const config = await composeConfig(await freshCloneCopy(), bareEnv());
    const services = config.services as Record<string, any>;
    const gateways = Object.entries(services).filter(([name, s]) => /^gateway/.test(name) || s.deploy?.replicas);
    const replicas = gateways.reduce((n, [, s]) => n + (s.deploy?.replicas ?? 1), 0);
    assert.ok(replicas >= 2, `>= 2 gateway replicas (${replicas})`);
    for (const [name, s] of gateways) {
      assert.ok(s.networks?.frontend?.aliases?.includes('gateway'), `${name} answers to "gateway"`);
      assert.equal(s.depends_on?.mysql?.condition, 'service_healthy', name);
      assert.equal(s.depends_on?.redis?.condition, 'service_healthy', name);
      assert.match(String(s.environment.GATEWAY_DATABASE_URL), /^mysql:\/\//, name);
      assert.match(String(s.environment.GATEWAY_REDIS_URL), /^redis:\/\//, name);
    }
    for (const [name, s] of Object.entries(services)) {
      assert.ok(s.healthcheck?.test, `${name} has a health check`);
      assert.ok(s.healthcheck?.start_period, `${name} health check has a start_period`);
    }
    assert.match(services.mysql.image, /^mysql:8/);
    assert.match(services.redis.image, /^redis:7/);
    assert.ok(
      (services.mysql.volumes as Array<string | { source?: string; target?: string }>).some((v) =>
        typeof v === 'string' ? v.startsWith('mysql-data:') : v.source === 'mysql-data' && v.target === '/var/lib/mysql',
      ),
    );
    assert.ok(config.volumes && 'mysql-data' in config.volumes);
    for (const dep of [...gateways.map(([n]) => n), 'app']) {
      assert.equal(services.nginx.depends_on?.[dep]?.condition, 'service_healthy', `nginx waits for ${dep}`);
    }
    assert.equal(config.networks?.backend?.internal, true, 'MySQL and Redis unreachable from outside');
    assert.deepEqual(services.mysql.networks ? Object.keys(services.mysql.networks) : [], ['backend']);
    assert.ok(!Object.keys(services.app.networks ?? {}).includes('frontend'), 'the app cannot reach the gateway directly');
    const mounts = (services.nginx.volumes as Array<string | { source?: string; target?: string }>).map((v) =>
      typeof v === 'string' ? v.split(':')[1] : v.target,
    );
    for (const target of ['/etc/nginx/nginx.conf', '/etc/nginx/conf.d', '/etc/nginx/snippets', '/etc/nginx/certs']) {
      assert.ok(mounts.includes(target), `nginx mounts ${target}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile

describe('Dockerfile', () => {
  async function lint(content: string): Promise<Array<{ message: string; severity?: number; range: { start: { line: number } } }>> {
    const mod = (await import('dockerfile-utils')) as unknown as {
      validate?: (content: string) => unknown[];
      default?: { validate: (content: string) => unknown[] };
    };
    const validate = mod.validate ?? mod.default?.validate;
    assert.ok(validate, 'dockerfile-utils exports validate()');
    return validate(content) as Array<{ message: string; severity?: number; range: { start: { line: number } } }>;
  }

  test('passes dockerfile-utils lint (which does flag a broken Dockerfile)', async () => {
    const content = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const problems = await lint(content);
    assert.deepEqual(
      problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`),
      [],
    );
    assert.ok((await lint('FROM node\nHEALTHCHECK --interva=30s CMD ls\nEXPOSE port\n')).length >= 2);
  });

  test('multi-stage, npm ci --omit=dev, non-root USER, HEALTHCHECK on /healthz, port 8081', async () => {
    const content = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    // Instructions with continuation lines joined.
    const instructions = content
      .replace(/\\\r?\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const named = (word: string): string[] => instructions.filter((l) => l.toUpperCase().startsWith(`${word} `));
    const froms = named('FROM');
    assert.ok(froms.length >= 2, 'multi-stage');
    assert.ok(froms.every((f) => /node:22-bookworm-slim|\$\{NODE_IMAGE\}/.test(f)));
    assert.match(content, /ARG NODE_IMAGE=node:22-bookworm-slim/);
    assert.ok(named('RUN').some((r) => /npm ci\b.*--omit=dev/.test(r)), 'npm ci --omit=dev');
    assert.ok(named('RUN').some((r) => /apt-get install.*python3.*make.*g\+\+/.test(r)), 'build tools for better-sqlite3');

    const lastStage = content.slice(content.lastIndexOf('\nFROM '));
    assert.doesNotMatch(lastStage, /g\+\+|build-essential/, 'no compilers in the runtime stage');
    const users = named('USER').map((u) => u.slice(5).trim());
    assert.ok(users.length > 0, 'a USER');
    assert.ok(!/^(?:root|0)(?::|$)/.test(users.at(-1) ?? 'root'), `the image runs as a non-root user (${users.at(-1)})`);
    assert.ok(lastStage.includes('USER '), 'USER in the final stage');
    const healthcheck = named('HEALTHCHECK');
    assert.equal(healthcheck.length, 1);
    assert.match(healthcheck[0] ?? '', /\/healthz/);
    assert.doesNotMatch(healthcheck[0] ?? '', /\bcurl\b|\bwget\b/, 'slim has neither curl nor wget');
    assert.ok(named('EXPOSE').some((e) => /\b8081\b/.test(e)));
    const cmd = named('CMD').at(-1) ?? '';
    // The bundle `npm run build` makes in the build stage, run by node itself so SIGTERM reaches the gateway.
    assert.match(cmd, /\["node",\s*"--enable-source-maps",\s*"dist\/main\.mjs"\]/, cmd);
    assert.ok(named('RUN').some((r) => /npm run --silent build/.test(r)), 'the image builds the bundle');

    const ignore = (await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', '.git', '.env', 'data']) assert.ok(ignore.includes(entry), `.dockerignore: ${entry}`);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The image ships no compiler: its runtime stage gets production dependencies only and runs the esbuild bundle.

interface DockerStage {
  name: string;
  /** Instructions, continuation lines joined, comments dropped. */
  lines: string[];
}

function dockerStages(content: string): DockerStage[] {
  const lines = content
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ name: from[1] ?? String(stages.length), lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** What is wrong with the runtime (last) stage, as sentences; [] when it ships production dependencies and dist/ only. */
function runtimeStageProblems(content: string): string[] {
  const stages = dockerStages(content);
  const runtime = stages.at(-1);
  if (!runtime) return ['no stage'];
  const problems: string[] = [];
  const copies = runtime.lines.filter((l) => /^COPY\s/i.test(l));
  const fromStage = (path: RegExp) =>
    copies.map((c) => /--from=(\S+)\s+(\S+)/.exec(c)).filter((m) => m && path.test(m[2]!)).map((m) => stages.find((s) => s.name === m![1]));
  const modulesFrom = fromStage(/node_modules\/?$/);
  if (modulesFrom.length !== 1 || !modulesFrom[0]) problems.push('node_modules is not copied from exactly one stage');
  else if (!modulesFrom[0].lines.some((l) => /^RUN\s.*\bnpm ci\b[^&;]*--omit=dev/i.test(l))) problems.push(`stage ${modulesFrom[0].name} does not run npm ci --omit=dev`);
  else if (modulesFrom[0].lines.some((l) => /\bnpm (?:ci|install)\b(?![^&;]*--omit=dev)/.test(l))) problems.push(`stage ${modulesFrom[0].name} also installs devDependencies`);
  if (fromStage(/dist\/?$/).length !== 1) problems.push('dist/ is not copied from a build stage');
  if (copies.some((c) => /\bsrc\b|tsconfig\.json|scripts\//.test(c))) problems.push('the runtime stage copies TypeScript sources or build scripts');
  if (runtime.lines.some((l) => /^RUN\s.*\b(?:npm (?:ci|install)|npm run (?:build|prestart)|tsx|tsc|esbuild)\b/i.test(l))) problems.push('the runtime stage installs or builds');
  const cmd = runtime.lines.filter((l) => /^CMD\s/i.test(l)).at(-1) ?? '';
  if (!/^CMD\s+\["node",(?:\s*"--[a-z-]+",)*\s*"dist\/main\.mjs"\]$/.test(cmd)) problems.push(`CMD does not run node dist/main.mjs: ${cmd}`);
  return problems;
}

describe('Dockerfile runtime stage', () => {
  test('installs production dependencies only (npm ci --omit=dev), copies dist/ from the build stage and runs node dist/main.mjs', async () => {
    const content = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    assert.deepEqual(runtimeStageProblems(content), []);
    const build = dockerStages(content).find((s) => s.lines.some((l) => /npm run --silent build/.test(l)));
    assert.ok(build, 'a stage runs npm run build');
    assert.notEqual(build, dockerStages(content).at(-1), 'the build runs in a stage of its own');
    // `npm run admin` in the image runs the bundled CLI, and `npm start` does not try to build.
    assert.match(content, /npm pkg set [^\n]*scripts\.admin="node dist\/admin\.mjs"/);
    assert.match(content, /npm pkg delete scripts\.prestart/);
  });

  test('the check fails on a runtime stage that compiles TypeScript at start or installs devDependencies', () => {
    const tsxAtRuntime = [
      'FROM node:22-bookworm-slim AS deps',
      'RUN npm ci --omit=dev',
      'FROM node:22-bookworm-slim',
      'COPY --from=deps /app/node_modules ./node_modules',
      'COPY src ./src',
      'RUN npm install tsx',
      'CMD ["node", "--import", "tsx", "src/main.ts"]',
    ].join('\n');
    const problems = runtimeStageProblems(tsxAtRuntime);
    assert.ok(problems.includes('dist/ is not copied from a build stage'), problems.join('; '));
    assert.ok(problems.includes('the runtime stage copies TypeScript sources or build scripts'), problems.join('; '));
    assert.ok(problems.includes('the runtime stage installs or builds'), problems.join('; '));
    assert.ok(problems.some((p) => p.startsWith('CMD does not run')), problems.join('; '));
    const allDeps = ['FROM n AS deps', 'RUN npm ci', 'FROM n AS build', 'FROM n', 'COPY --from=deps /app/node_modules ./node_modules',
      'COPY --from=build /app/dist ./dist', 'CMD ["node", "dist/main.mjs"]'].join('\n');
    assert.deepEqual(runtimeStageProblems(allDeps), ['stage deps does not run npm ci --omit=dev']);
  });
});

/** Runs a command to its end (no shell), with a generous timeout: npm ci compiles better-sqlite3 from source. */
function runLong(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** process.env without the GATEWAY_* settings of whoever runs the tests: the bundle starts on its defaults. */
function envWithoutGatewaySettings(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GATEWAY_')));
}

describe('the production bundle', () => {
  test('dist/main.mjs and dist/admin.mjs run with production dependencies alone (npm ci --omit=dev from the lockfile)', async () => {
    const dir = await makeServiceDir('prod-bundle');
    await cp(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
    await cp(join(REPO_ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    // node-gyp builds better-sqlite3 against this Node's headers instead of downloading them.
    const npmEnv = { ...envWithoutGatewaySettings(), npm_config_nodedir: '/usr', NODE_ENV: 'production' };
    const install = await runLong('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, env: npmEnv, timeoutMs: 600_000 });
    assert.equal(install.code, 0, `npm ci --omit=dev:\n${install.stderr.slice(-4000)}`);
    for (const devOnly of ['tsx', 'esbuild', 'typescript', 'supertest']) {
      assert.equal(existsSync(join(dir, 'node_modules', devOnly)), false, `${devOnly} is not a production dependency`);
    }
    assert.equal(existsSync(join(dir, 'node_modules', 'express-session')), true);

    const build = await run(process.execPath, [join('scripts', 'bundle.mjs'), join(dir, 'dist')], { cwd: REPO_ROOT });
    assert.equal(build.code, 0, `npm run build:\n${build.stderr}`);

    const port = await freePort();
    const env = { ...envWithoutGatewaySettings(), NODE_ENV: 'production', GATEWAY_PORT: String(port), GATEWAY_HOST: '127.0.0.1', GATEWAY_LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, ['--enable-source-maps', join('dist', 'main.mjs')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      let healthy = false;
      for (const deadline = Date.now() + 60_000; !healthy && Date.now() < deadline && child.exitCode === null; ) {
        healthy = await fetch(`${base}/healthz`).then((r) => r.status === 200, () => false);
        if (!healthy) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(healthy, `GET /healthz never answered 200:\n${output}`);
      const page = await fetch(`${base}/auth`);
      assert.equal(page.status, 200, 'the sign-in page (express-session from the production install)');
      assert.match(page.headers.get('set-cookie') ?? '', /^gw_browser=/);
      assert.ok(existsSync(join(dir, 'data', 'gateway.db')), 'the embedded default: ./data/gateway.db');

      // The operator CLI of the image (`npm run admin` there): the same production install, the same database.
      const admin = await run(process.execPath, [join('dist', 'admin.mjs'), 'list-keys'], { cwd: dir, env });
      assert.equal(admin.code, 0, `node dist/admin.mjs list-keys:\n${admin.stderr}`);
      assert.match(admin.stdout, /\bv1\b/);
    } finally {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });
});
