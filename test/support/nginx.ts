// The shipped nginx configuration (nginx/) run for real on loopback, for tests.
//
// renderNginxConfig() copies nginx/nginx.conf, nginx/conf.d/*.conf and nginx/snippets/*.conf into a directory and
// rewrites ONLY deployment-specific values, each by exact match (it throws if one is no longer found, so a change
// to the shipped files cannot silently turn into a test of something else):
//   - upstream `server` addresses of `upstream gateway` / `upstream app` -> 127.0.0.1:<port> (several gateway
//     ports make several servers, i.e. replicas), their parameters (max_fails=...) kept;
//   - `listen 80` / `listen 443 ...` / `listen 127.0.0.1:8080` -> 127.0.0.1:<free port> (the rest of each listen
//     line kept: ssl, http2, default_server); `listen [::]:...` lines dropped (no IPv6 loopback assumed);
//   - /etc/nginx/certs/ -> the test's cert dir, /var/log/nginx/ -> DIR/logs/, /var/run/nginx.pid ->
//     DIR/server.pid (the name reapStaleServiceDirs() looks for), /var/www/acme -> DIR/acme;
//   - `user nginx;` dropped (as root the workers then run as nobody; DIR is made world-readable for them);
//   - *_temp_path directives added at the top of http {} -> DIR/tmp/;
//   - optionally: server names (serverNames) and limit_req_zone rates (rateLimits).
// Every other directive is the shipped one.
//
// startNginx() renders into a fresh temp dir, makes a self-signed cert with scripts/make-cert.sh, runs `nginx -t`,
// then `nginx -c CONF -p DIR -e ERRLOG` (nginx daemonizes), waits until it accepts connections, and stop() runs
// `nginx -s stop` with the same flags. Requests must carry the served host names (SNI and Host): unknown names are
// refused by design (ssl_reject_handshake). nginxRequest() does that.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable, freePort, isAlive, makeServiceDir, sleep } from './services.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHIPPED_NGINX_DIR = join(REPO_ROOT, 'nginx');
export const MAKE_CERT_SCRIPT = join(REPO_ROOT, 'scripts', 'make-cert.sh');

/** The host names the shipped config serves. */
export const GATEWAY_HOST = 'auth.example.test';
export const APP_HOST = 'app.example.test';

export interface RenderNginxOptions {
  /** Output directory (nginx's -p prefix); created if missing. */
  dir: string;
  /** One port per gateway replica on 127.0.0.1 (a number = one replica). */
  gatewayPort: number | readonly number[];
  /** The sample protected app on 127.0.0.1. */
  appPort: number;
  /** Ports the rendered nginx listens on (127.0.0.1). */
  httpPort: number;
  httpsPort: number;
  /** nginx's own health-check listener (shipped as 127.0.0.1:8080). */
  statusPort: number;
  /** Directory holding fullchain.pem and privkey.pem. Default DIR/certs. */
  certDir?: string;
  /** Rename served host names, e.g. { 'app.example.test': 'app.localtest' }. Default: kept. */
  serverNames?: Readonly<Record<string, string>>;
  /**
   * Rates of limit_req_zone by zone name, e.g. { gw_signin: '600r/m' }, or 'unlimited' (every zone 100000r/s)
   * for load tests. Default: the shipped rates.
   */
  rateLimits?: Readonly<Record<string, string>> | 'unlimited';
  /** Where the shipped files are. Default <repo>/nginx. */
  sourceDir?: string;
}

export interface RenderedNginx {
  dir: string;
  confPath: string;
  errorLog: string;
  accessLog: string;
  pidFile: string;
  certDir: string;
  /** Relative paths of the rendered config files. */
  files: string[];
}

/** The shipped config files, relative to sourceDir: nginx.conf, conf.d/*.conf, snippets/*.conf. */
export function shippedNginxFiles(sourceDir = SHIPPED_NGINX_DIR): string[] {
  const files = ['nginx.conf'];
  for (const sub of ['conf.d', 'snippets']) {
    const path = join(sourceDir, sub);
    if (!existsSync(path)) continue;
    for (const name of readdirSync(path).sort()) if (name.endsWith('.conf')) files.push(`${sub}/${name}`);
  }
  return files;
}

class Rewriter {
  private readonly hits = new Map<string, number>();

  constructor(private readonly required: readonly string[]) {}

  count(rule: string, n = 1): void {
    this.hits.set(rule, (this.hits.get(rule) ?? 0) + n);
  }

  /** Replaces every occurrence of `from`, counting hits under `rule`. */
  replaceAll(text: string, rule: string, from: string, to: string): string {
    const parts = text.split(from);
    this.count(rule, parts.length - 1);
    return parts.join(to);
  }

  check(): void {
    const missing = this.required.filter((rule) => !this.hits.get(rule));
    if (missing.length > 0) {
      throw new Error(
        `renderNginxConfig: the shipped nginx config no longer contains: ${missing.join('; ')} ` +
          '(update test/support/nginx.ts together with nginx/)',
      );
    }
  }
}

const LOOPBACK = '127.0.0.1';

function rewriteListen(line: string, opts: RenderNginxOptions, rw: Rewriter): string | null {
  const m = /^(\s*)listen\s+(\S+)([^;]*);(.*)$/.exec(line);
  if (!m) return line;
  const [, indent, address, rest, tail] = m as unknown as [string, string, string, string, string];
  if (address.startsWith('[')) {
    rw.count('listen [::]');
    return null; // IPv6 listeners: dropped
  }
  let port: number;
  if (address === '80') port = opts.httpPort;
  else if (address === '443') port = opts.httpsPort;
  else if (address === '127.0.0.1:8080') port = opts.statusPort;
  else throw new Error(`renderNginxConfig: unexpected listen address "${address}" in: ${line.trim()}`);
  rw.count(`listen ${address}`);
  return `${indent}listen ${LOOPBACK}:${port}${rest};${tail}`;
}

/** Rewrites `server host:port ...;` lines inside `upstream NAME { }` blocks. */
function rewriteUpstreams(text: string, opts: RenderNginxOptions, rw: Rewriter): string {
  const gatewayPorts = typeof opts.gatewayPort === 'number' ? [opts.gatewayPort] : [...opts.gatewayPort];
  if (gatewayPorts.length === 0) throw new Error('renderNginxConfig: gatewayPort: at least one port');
  const targets: Record<string, readonly number[]> = { gateway: gatewayPorts, app: [opts.appPort] };
  const out: string[] = [];
  let upstream: string | null = null;
  let depth = 0;
  for (const line of text.split('\n')) {
    const code = line.replace(/#.*$/, '');
    if (upstream === null) {
      const open = /^\s*upstream\s+(\S+)\s*\{/.exec(code);
      if (open) {
        upstream = open[1] ?? null;
        depth = 0;
      }
    }
    if (upstream !== null) {
      const server = /^(\s*)server\s+(\S+?)(\s[^;]*)?;(.*)$/.exec(code);
      if (server) {
        const ports = targets[upstream];
        if (!ports) throw new Error(`renderNginxConfig: no test address for upstream "${upstream}"`);
        const [, indent, , params = ''] = server as unknown as [string, string, string, string | undefined];
        rw.count(`upstream ${upstream} server`);
        for (const port of ports) out.push(`${indent}server ${LOOPBACK}:${port}${params};`);
      } else {
        out.push(line);
      }
      depth += (code.match(/\{/g) ?? []).length - (code.match(/\}/g) ?? []).length;
      if (depth <= 0) upstream = null;
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

function rewriteServerNames(line: string, names: Readonly<Record<string, string>>, rw: Rewriter): string {
  const m = /^(\s*)server_name\s+([^;]+);(.*)$/.exec(line);
  if (!m) return line;
  const [, indent, list, tail] = m as unknown as [string, string, string, string];
  const mapped = list
    .trim()
    .split(/\s+/)
    .map((name) => {
      const to = names[name];
      if (to === undefined) return name;
      rw.count(`server_name ${name}`);
      return to;
    });
  return `${indent}server_name ${mapped.join(' ')};${tail}`;
}

function rewriteRates(line: string, rates: RenderNginxOptions['rateLimits'], rw: Rewriter): string {
  const m = /^(\s*limit_req_zone\s.*zone=)([A-Za-z0-9_]+)(:\S+\s+rate=)(\d+r\/[sm])(.*)$/.exec(line);
  if (!m || rates === undefined) return line;
  const [, head, zone, middle, , tail] = m as unknown as [string, string, string, string, string, string];
  const rate = rates === 'unlimited' ? '100000r/s' : rates[zone];
  if (rate === undefined) return line;
  if (!/^\d+r\/[sm]$/.test(rate)) throw new Error(`renderNginxConfig: bad rate "${rate}" for zone ${zone}`);
  rw.count(`limit_req_zone ${zone}`);
  return `${head}${zone}${middle}${rate}${tail}`;
}

/** Renders the shipped config into opts.dir for a loopback test. See the header of this file. */
export async function renderNginxConfig(opts: RenderNginxOptions): Promise<RenderedNginx> {
  const sourceDir = opts.sourceDir ?? SHIPPED_NGINX_DIR;
  const dir = resolve(opts.dir);
  const certDir = resolve(opts.certDir ?? join(dir, 'certs'));
  const logsDir = join(dir, 'logs');
  const tmpDir = join(dir, 'tmp');
  const pidFile = join(dir, 'server.pid');
  const names = opts.serverNames ?? {};
  const rateZones = opts.rateLimits && opts.rateLimits !== 'unlimited' ? Object.keys(opts.rateLimits) : [];

  const rw = new Rewriter([
    'user',
    'pid',
    '/var/log/nginx/',
    '/etc/nginx/certs/',
    'listen 80',
    'listen 443',
    'listen 127.0.0.1:8080',
    'upstream gateway server',
    'upstream app server',
    'http {',
    ...Object.keys(names).map((name) => `server_name ${name}`),
    ...rateZones.map((zone) => `limit_req_zone ${zone}`),
  ]);

  const files = shippedNginxFiles(sourceDir);
  await mkdir(dir, { recursive: true });
  for (const sub of ['conf.d', 'snippets', 'logs', 'tmp', 'acme']) await mkdir(join(dir, sub), { recursive: true });

  for (const file of files) {
    const text = rewriteUpstreams(await readFile(join(sourceDir, file), 'utf8'), opts, rw);

    const lines: string[] = [];
    for (const original of text.split('\n')) {
      // Comment lines are kept as they are.
      if (/^\s*#/.test(original)) {
        lines.push(original);
        continue;
      }
      if (/^\s*user\s+[^;]+;\s*$/.test(original)) {
        rw.count('user');
        continue;
      }
      let line = rw.replaceAll(original, '/etc/nginx/certs/', '/etc/nginx/certs/', `${certDir}/`);
      line = rw.replaceAll(line, '/var/log/nginx/', '/var/log/nginx/', `${logsDir}/`);
      line = rw.replaceAll(line, 'pid', 'pid /var/run/nginx.pid;', `pid ${pidFile};`);
      line = rw.replaceAll(line, '/var/www/acme', '/var/www/acme', join(dir, 'acme'));
      const listened = rewriteListen(line, opts, rw);
      if (listened === null) continue;
      let out = rewriteServerNames(listened, names, rw);
      out = rewriteRates(out, opts.rateLimits, rw);
      lines.push(out);
      if (file === 'nginx.conf' && /^http\s*\{\s*$/.test(out)) {
        rw.count('http {');
        for (const kind of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
          lines.push(`    ${kind}_temp_path ${join(tmpDir, kind)};`);
        }
      }
    }
    await writeFile(join(dir, file), lines.join('\n'));
  }
  rw.check();

  return {
    dir,
    confPath: join(dir, 'nginx.conf'),
    errorLog: join(logsDir, 'error.log'),
    accessLog: join(logsDir, 'access.log'),
    pidFile,
    certDir,
    files,
  };
}

// ---------------------------------------------------------------------------------------------------------------

export interface StartNginxOptions {
  gatewayPort: number | readonly number[];
  appPort: number;
  /** Default: a fresh temp dir (sso-gw-nginx-*), removed when the process exits. */
  dir?: string;
  /** Default: a self-signed pair made by scripts/make-cert.sh in DIR/certs. */
  certDir?: string;
  /** Default: free ports. */
  httpPort?: number;
  httpsPort?: number;
  statusPort?: number;
  serverNames?: Readonly<Record<string, string>>;
  rateLimits?: RenderNginxOptions['rateLimits'];
  /** Default 10 s. */
  readyTimeoutMs?: number;
}

export interface NginxHandle extends RenderedNginx {
  httpPort: number;
  httpsPort: number;
  statusPort: number;
  /** Master process id. */
  readonly pid: number;
  /** `nginx -s reload` with the same flags (after editing the rendered files). */
  reload(): Promise<void>;
  /** `nginx -s stop`; resolves once the master has exited. Idempotent. */
  stop(): Promise<void>;
}

interface RunResult {
  code: number;
  output: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolveRun) => {
    execFile(command, args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolveRun({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = createConnection({ host: LOOPBACK, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolveAccepts(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

async function tailFile(path: string, lines = 20): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${path})`;
  }
}

const liveMasters = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveMasters) {
      try {
        process.kill(pid, 'SIGTERM'); // nginx: fast shutdown (daemonized, it would outlive us)
      } catch {
        // gone
      }
    }
  });
}

async function chmodTree(path: string): Promise<void> {
  await chmod(path, 0o755);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isDirectory()) await chmodTree(join(path, entry.name));
  }
}

/** Renders the shipped config for loopback, checks it with `nginx -t`, starts nginx. */
export async function startNginx(opts: StartNginxOptions): Promise<NginxHandle> {
  const nginx = findExecutable('nginx');
  if (!nginx) throw new Error('nginx not found: apt-get install nginx (npm test installs it as root)');
  const dir = opts.dir ? resolve(opts.dir) : await makeServiceDir('nginx');
  await mkdir(dir, { recursive: true });

  let certDir = opts.certDir;
  if (!certDir) {
    certDir = join(dir, 'certs');
    const hosts = [GATEWAY_HOST, APP_HOST].map((h) => opts.serverNames?.[h] ?? h).join(' ');
    const made = await run('bash', [MAKE_CERT_SCRIPT, certDir], { ...process.env, CERT_HOSTS: hosts });
    if (made.code !== 0) throw new Error(`scripts/make-cert.sh failed (${made.code}): ${made.output}`);
  }

  const fixedPorts = opts.httpPort !== undefined && opts.httpsPort !== undefined && opts.statusPort !== undefined;
  for (let attempt = 1; ; attempt++) {
    const httpPort = opts.httpPort ?? (await freePort());
    const httpsPort = opts.httpsPort ?? (await freePort());
    const statusPort = opts.statusPort ?? (await freePort());
    const rendered = await renderNginxConfig({
      dir,
      certDir,
      gatewayPort: opts.gatewayPort,
      appPort: opts.appPort,
      httpPort,
      httpsPort,
      statusPort,
      ...(opts.serverNames ? { serverNames: opts.serverNames } : {}),
      ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}),
    });
    // As root the workers run as nobody: they need to traverse DIR (temp paths). Keys stay 0600 (the master reads them).
    if (process.getuid?.() === 0) await chmodTree(dir);

    const flags = ['-c', rendered.confPath, '-p', `${dir}/`, '-e', rendered.errorLog];
    const tested = await run(nginx, ['-t', ...flags]);
    if (tested.code !== 0) throw new Error(`nginx -t failed for ${rendered.confPath}:\n${tested.output}`);

    const started = await run(nginx, flags);
    if (started.code !== 0) {
      const busy = /Address already in use/.test(started.output);
      if (busy && !fixedPorts && attempt < 3) continue;
      throw new Error(`nginx did not start (${started.code}):\n${started.output}\n${await tailFile(rendered.errorLog)}`);
    }

    const deadline = Date.now() + (opts.readyTimeoutMs ?? 10_000);
    let pid = 0;
    for (;;) {
      if (!pid) pid = Number.parseInt(await readFile(rendered.pidFile, 'utf8').catch(() => ''), 10) || 0;
      if (pid && (await accepts(httpsPort)) && (await accepts(httpPort))) break;
      if (Date.now() > deadline) {
        if (pid) process.kill(pid, 'SIGKILL');
        throw new Error(`nginx did not accept connections within the timeout:\n${await tailFile(rendered.errorLog)}`);
      }
      await sleep(25);
    }
    installExitHook();
    liveMasters.add(pid);

    let stopping: Promise<void> | undefined;
    const handle: NginxHandle = {
      ...rendered,
      httpPort,
      httpsPort,
      statusPort,
      pid,
      async reload() {
        const reloaded = await run(nginx, [...flags, '-s', 'reload']);
        if (reloaded.code !== 0) throw new Error(`nginx -s reload failed: ${reloaded.output}`);
      },
      stop() {
        stopping ??= (async () => {
          if (isAlive(pid)) {
            const stopped = await run(nginx, [...flags, '-s', 'stop']);
            if (stopped.code !== 0 && isAlive(pid)) process.kill(pid, 'SIGTERM');
            for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(25);
            if (isAlive(pid)) process.kill(pid, 'SIGKILL');
          }
          liveMasters.delete(pid);
        })();
        return stopping;
      },
    };
    return handle;
  }
}

// ---------------------------------------------------------------------------------------------------------------

export interface NginxRequest {
  /** Host name: sent as SNI (https) and in the Host header (with :port unless hostHeader is given). */
  host: string;
  path?: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  /** Overrides the Host header (e.g. to send a malformed one); SNI stays `host`. */
  hostHeader?: string;
  body?: string | Buffer;
  /** Default true (https to httpsPort); false: plain http to the given port. */
  tls?: boolean;
  timeoutMs?: number;
}

export interface NginxResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One request to nginx on 127.0.0.1:port, with SNI and Host set to opts.host (self-signed cert accepted).
 * fetch() cannot do this: it connects by name and sends no SNI for an IP address.
 */
export function nginxRequest(port: number, opts: NginxRequest): Promise<NginxResponse> {
  const tls = opts.tls ?? true;
  const headers: Record<string, string | string[]> = {
    host: opts.hostHeader ?? `${opts.host}:${port}`,
    ...opts.headers,
  };
  return new Promise((resolveResponse, reject) => {
    const common = {
      host: LOOPBACK,
      port,
      path: opts.path ?? '/',
      method: opts.method ?? 'GET',
      headers,
      agent: false as const,
      timeout: opts.timeoutMs ?? 10_000,
    };
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolveResponse({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    };
    const req = tls
      ? httpsRequest(
          { ...common, ...(isIP(opts.host) ? {} : { servername: opts.host }), rejectUnauthorized: false },
          onResponse,
        )
      : httpRequest(common, onResponse);
    req.on('timeout', () => req.destroy(new Error(`request to 127.0.0.1:${port}${common.path} timed out`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// A small nginx config parser, for tests that check the shipped files' structure.

export interface NginxDirective {
  name: string;
  args: string[];
  /** Child directives when this directive has a { } block (includes expanded in place). */
  block?: NginxDirective[];
  /** Files included directly inside this block (relative to the config dir), in order. */
  includes?: string[];
  file: string;
  line: number;
}

function tokenize(text: string, file: string): Array<{ value: string; quoted: boolean; line: number }> {
  const tokens: Array<{ value: string; quoted: boolean; line: number }> = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\n') {
      line++;
      i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '{' || ch === '}' || ch === ';') {
      tokens.push({ value: ch, quoted: false, line });
      i++;
    } else if (ch === '"' || ch === "'") {
      const start = line;
      let value = '';
      i++;
      while (i < text.length && text[i] !== ch) {
        if (text[i] === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (text[i] === '\n') line++;
        value += text[i];
        i++;
      }
      if (i >= text.length) throw new Error(`${file}:${start}: unterminated quote`);
      i++;
      tokens.push({ value, quoted: true, line: start });
    } else {
      let value = '';
      while (i < text.length && !/[\s;{}]/.test(text[i] as string)) {
        value += text[i];
        i++;
      }
      tokens.push({ value, quoted: false, line });
    }
  }
  return tokens;
}

/**
 * Parses `file` (relative to `baseDir`, default the shipped nginx/ dir) into a directive tree, expanding
 * `include` (globs of the form dir/*.conf) relative to baseDir.
 */
export async function parseNginxConfig(file = 'nginx.conf', baseDir = SHIPPED_NGINX_DIR): Promise<NginxDirective[]> {
  const parseFile = async (rel: string, depth: number): Promise<{ directives: NginxDirective[]; included: string[] }> => {
    if (depth > 10) throw new Error(`include nesting too deep at ${rel}`);
    const tokens = tokenize(await readFile(join(baseDir, rel), 'utf8'), rel);
    let pos = 0;
    const parseBlock = async (inBlock: boolean): Promise<{ directives: NginxDirective[]; included: string[] }> => {
      const directives: NginxDirective[] = [];
      const included: string[] = [];
      for (;;) {
        const tok = tokens[pos];
        if (!tok) {
          if (inBlock) throw new Error(`${rel}: missing }`);
          return { directives, included };
        }
        if (!tok.quoted && tok.value === '}') {
          if (!inBlock) throw new Error(`${rel}:${tok.line}: unexpected }`);
          pos++;
          return { directives, included };
        }
        const name = tok.value;
        const args: string[] = [];
        pos++;
        for (;;) {
          const t = tokens[pos];
          if (!t) throw new Error(`${rel}:${tok.line}: directive ${name} not terminated`);
          if (!t.quoted && (t.value === ';' || t.value === '{')) break;
          if (!t.quoted && t.value === '}') throw new Error(`${rel}:${t.line}: unexpected } in ${name}`);
          args.push(t.value);
          pos++;
        }
        const end = tokens[pos] as { value: string };
        pos++;
        if (end.value === '{') {
          const inner = await parseBlock(true);
          directives.push({ name, args, block: inner.directives, includes: inner.included, file: rel, line: tok.line });
        } else if (name === 'include') {
          for (const target of await expandInclude(args[0] ?? '')) {
            included.push(target);
            const sub = await parseFile(target, depth + 1);
            directives.push(...sub.directives);
          }
        } else {
          directives.push({ name, args, file: rel, line: tok.line });
        }
      }
    };
    return parseBlock(false);
  };
  const expandInclude = async (pattern: string): Promise<string[]> => {
    const star = pattern.indexOf('*');
    if (star < 0) return [pattern];
    const dir = pattern.slice(0, pattern.lastIndexOf('/'));
    const suffix = pattern.slice(star + 1);
    const names = (await readdir(join(baseDir, dir))).filter((n) => n.endsWith(suffix)).sort();
    return names.map((n) => `${dir}/${n}`);
  };
  return (await parseFile(file, 0)).directives;
}

/** Every directive named `name` at any depth, with the chain of enclosing blocks. */
export function findDirectives(
  tree: readonly NginxDirective[],
  name: string,
  parents: NginxDirective[] = [],
): Array<{ directive: NginxDirective; parents: NginxDirective[] }> {
  const found: Array<{ directive: NginxDirective; parents: NginxDirective[] }> = [];
  for (const d of tree) {
    if (d.name === name) found.push({ directive: d, parents });
    if (d.block) found.push(...findDirectives(d.block, name, [...parents, d]));
  }
  return found;
}
