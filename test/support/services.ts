// Real MariaDB and Redis servers for tests: start on a free 127.0.0.1 port in a temp dir, stop, restart on the
// same port and data dir (for fault-injection tests), crash (SIGKILL), pause (SIGSTOP) and clean up afterwards.
// Servers are detached, unref'd children: exit/SIGINT/SIGTERM of this process SIGKILLs any still running;
// reapStaleServiceDirs() cleans up after owners that were killed outright.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection as netConnect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import mysql, { type Connection } from 'mysql2/promise';

/** Every temp dir made here (and by test/run.ts) starts with this, so reapStaleServiceDirs() can find it. */
export const SERVICE_DIR_PREFIX = 'sso-gw-';

export interface ServiceOptions {
  /** Directory holding everything of this instance (created if missing). Default: a fresh dir under os.tmpdir(). */
  dir?: string;
  /** Default: a free port. */
  port?: number;
  /** How long to wait for the server to accept connections. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface ServiceHandle {
  readonly port: number;
  readonly dir: string;
  /** Server process id while running. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** (Re)start on the same port and data dir; resolves once it accepts connections. No-op while running. */
  start(): Promise<void>;
  /** Graceful shutdown, keeping the data dir. No-op when stopped. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), keeping the data dir. */
  kill(): Promise<void>;
  /** SIGSTOP: the port still accepts TCP connections but nothing answers (a hung server). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** stop(), then delete `dir`. */
  destroy(): Promise<void>;
}

export interface MariaDbHandle extends ServiceHandle {
  readonly socket: string;
  readonly dataDir: string;
  readonly errorLog: string;
  /** `gateway`@`127.0.0.1` (also @`localhost` for the socket), ALL PRIVILEGES WITH GRANT OPTION. */
  readonly user: string;
  readonly password: string;
  /** mysql://gateway:<password>@127.0.0.1:<port>/ */
  readonly adminUrl: string;
}

export interface RedisHandle extends ServiceHandle {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly logFile: string;
}

const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 50;

// ---------------------------------------------------------------------------------------------------------------
// Whatever is still running or lying around when this process exits goes with it

const liveServers = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let exitHookInstalled = false;

function cleanUpSync(): void {
  for (const child of liveServers) child.kill('SIGKILL'); // detached: they would outlive us
  for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Clean up at exit, and on SIGINT/SIGTERM unless someone else handles them (test/run.ts does): then die of it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', cleanUpSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      cleanUpSync();
      process.kill(process.pid, signal);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

/** Absolute path of an executable on PATH (plus the sbin dirs, where mariadbd lives), or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SBIN_DIRS].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function requireExecutable(name: string, aptPackage: string): string {
  const found = findExecutable(name);
  if (!found) throw new Error(`${name} not found: install the Debian package ${aptPackage} (npm test does it as root)`);
  return found;
}

/** A port that was free a moment ago (listen on 0, close). */
/**
 * Ports this process has handed out. The kernel may give the same ephemeral port to two binds in a row once the
 * first is closed; a caller that asks for several ports before binding any (nginx: http, https, status) must not get
 * one twice, or the rendered config puts `listen … ssl` and a plain `listen` on one port and `nginx -t` refuses it.
 */
const handedOutPorts = new Set<number>();

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await bindEphemeralPort();
    if (!handedOutPorts.has(port)) {
      handedOutPorts.add(port);
      return port;
    }
  }
  throw new Error('could not get a port not handed out before');
}

function bindEphemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

/**
 * A fresh dir under os.tmpdir(), removed when this process exits (if still there). It records its owner so that
 * reapStaleServiceDirs() can remove it if this process dies without running exit handlers.
 */
export async function makeServiceDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${SERVICE_DIR_PREFIX}${name}-`));
  installExitHook();
  ownedDirs.add(dir);
  await writeFile(join(dir, 'owner.pid'), `${process.pid}\n`);
  return dir;
}

async function prepareDir(dir: string | undefined, name: string): Promise<{ dir: string; owned: boolean }> {
  if (!dir) return { dir: await makeServiceDir(name), owned: true };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'owner.pid'), `${process.pid}\n`);
  return { dir, owned: false };
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

/** Polls `check` every 100 ms until true; throws `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The test harness's one sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while a process with this pid exists (EPERM: it exists, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs a command, output appended to `logFile`, SIGKILLed after `timeoutMs`; `exit` resolves with its exit code. */
function runLogged(command: string, args: string[], logFile: string, timeoutMs: number) {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exit = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
  return { child, exit };
}

// ---------------------------------------------------------------------------------------------------------------
// Server processes: spawn, wait for readiness, stop.

class ServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly name: string,
    private readonly logFile: string,
    private readonly pidFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  spawn(command: string, args: string[], cwd: string): void {
    installExitHook();
    const fd = openSync(this.logFile, 'a');
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.unref();
    this.child = child;
    liveServers.add(child);
    this.exited = new Promise((resolve) => {
      const done = (): void => {
        liveServers.delete(child);
        if (this.child === child) this.child = undefined;
        rmSync(this.pidFile, { force: true });
        resolve();
      };
      child.once('exit', done);
      child.once('error', (error) => {
        console.error(`${this.name}: ${error.message}`);
        done();
      });
    });
    if (child.pid) writeFileSync(this.pidFile, `${child.pid}\n`);
  }

  /** Polls `check` until it succeeds; fails early when the process exits, or at the deadline. */
  async waitReady(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) {
        throw new Error(`${this.name} exited during start-up; last lines of ${this.logFile}:\n${tail(this.logFile)}`);
      }
      if (await check()) return;
      await sleep(POLL_MS);
    }
    await this.kill();
    throw new Error(
      `${this.name} not ready after ${timeoutMs / 1000} s; last lines of ${this.logFile}:\n${tail(this.logFile)}`,
    );
  }

  /** Waits for the process to exit; false on timeout. */
  async waitExit(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([this.exited.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return result;
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Ask politely (`politeStop`, default SIGTERM), then SIGKILL after STOP_TIMEOUT_MS. */
  async stop(politeStop?: () => Promise<unknown>): Promise<void> {
    if (!this.child) return;
    this.signal('SIGCONT'); // a paused server can't shut down
    try {
      if (politeStop) await politeStop();
      else this.signal('SIGTERM');
    } catch {
      this.signal('SIGTERM');
    }
    if (await this.waitExit(STOP_TIMEOUT_MS)) return;
    console.error(`${this.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
    await this.kill();
  }

  async kill(): Promise<void> {
    if (!this.child) return;
    this.signal('SIGKILL');
    await this.waitExit(STOP_TIMEOUT_MS);
  }
}

type Controls = Pick<ServiceHandle, 'start' | 'stop' | 'kill' | 'pause' | 'resume' | 'destroy'>;

function controls(
  server: ServerProcess,
  dir: string,
  restart: () => Promise<void>,
  politeStop?: () => Promise<unknown>,
): Controls {
  return {
    start: () => (server.running ? Promise.resolve() : restart()),
    stop: () => server.stop(politeStop),
    kill: () => server.kill(),
    pause: () => server.signal('SIGSTOP'),
    resume: () => server.signal('SIGCONT'),
    destroy: async () => {
      await server.stop(politeStop);
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      ownedDirs.delete(dir);
    },
  };
}

/** Launches on `fixedPort`, or else on up to 3 free ports (another process may grab a port before we bind it). */
async function launchOnPort(fixedPort: number | undefined, launch: (port: number) => Promise<void>): Promise<number> {
  if (fixedPort) {
    await launch(fixedPort);
    return fixedPort;
  }
  for (let tries = 1; ; tries++) {
    const port = await freePort();
    try {
      await launch(port);
      return port;
    } catch (error) {
      if (tries >= 3 || !/exited during start-up/.test(String(error))) throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// MariaDB

/** OS user that the socket-authenticated admin account maps to (mariadb-install-db creates root and this one). */
function socketAdminUser(): string {
  return process.getuid?.() === 0 ? 'root' : userInfo().username;
}

async function mariaDbAnswers(socket: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await mysql.createConnection({ socketPath: socket, user: socketAdminUser(), connectTimeout: 2000 });
    await connection.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    connection?.destroy();
  }
}

async function initMariaDbDataDir(dataDir: string, logFile: string): Promise<void> {
  const installDb = requireExecutable('mariadb-install-db', 'mariadb-server');
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    '--auth-root-authentication-method=socket',
    '--skip-test-db',
    '--skip-name-resolve',
  ];
  const code = await runLogged(installDb, args, logFile, 120_000).exit;
  if (code !== 0) {
    throw new Error(`mariadb-install-db failed (exit ${code}); last lines of ${logFile}:\n${tail(logFile)}`);
  }
}

async function createAdminUser(socket: string, user: string, password: string): Promise<void> {
  const connection = await mysql.createConnection({ socketPath: socket, user: socketAdminUser() });
  try {
    for (const host of ['127.0.0.1', 'localhost']) {
      await connection.query('CREATE USER ?@? IDENTIFIED BY ?', [user, host, password]);
      await connection.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [user, host]);
    }
  } finally {
    await connection.end();
  }
}

function mariaDbArgs(opts: { dataDir: string; socket: string; port: number; dir: string; errorLog: string }): string[] {
  return [
    '--no-defaults',
    `--datadir=${opts.dataDir}`,
    `--socket=${opts.socket}`,
    `--port=${opts.port}`,
    '--bind-address=127.0.0.1',
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    '--skip-name-resolve',
    `--pid-file=${join(opts.dir, 'mariadbd.pid')}`,
    `--log-error=${opts.errorLog}`,
    '--skip-log-bin',
    '--innodb-buffer-pool-size=64M',
    '--innodb-flush-log-at-trx-commit=2', // still durable across a mariadbd crash (kill()), just not an OS crash
    '--innodb-doublewrite=0',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    '--max-connections=500',
  ];
}

/** Starts a throwaway MariaDB (fresh data dir) on 127.0.0.1 with an admin user `gateway` and a random password. */
export async function startMariaDb(opts: ServiceOptions = {}): Promise<MariaDbHandle> {
  const mariadbd = requireExecutable('mariadbd', 'mariadb-server');
  const { dir, owned } = await prepareDir(opts.dir, 'mariadb');
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mariadbd.sock');
  const errorLog = join(dir, 'error.log');
  if (Buffer.byteLength(socket) > 100) {
    throw new Error(`socket path too long for a unix socket: ${socket} (set TMPDIR=/tmp)`);
  }
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const server = new ServerProcess('mariadbd', errorLog, join(dir, 'server.pid'));
  const user = 'gateway';
  const password = randomBytes(18).toString('hex');

  const launch = async (port: number): Promise<void> => {
    server.spawn(mariadbd, mariaDbArgs({ dataDir, socket, port, dir, errorLog }), dir);
    await server.waitReady(() => mariaDbAnswers(socket), readyTimeoutMs);
  };
  // mariadb-admin sends SHUTDOWN, then polls the pid file once a second: done as soon as mariadbd has exited
  const shutdown = async (): Promise<void> => {
    const admin = requireExecutable('mariadb-admin', 'mariadb-client');
    const args = ['--no-defaults', `--socket=${socket}`, `-u${socketAdminUser()}`, 'shutdown'];
    const command = runLogged(admin, args, errorLog, STOP_TIMEOUT_MS);
    const serverExited = server.waitExit(STOP_TIMEOUT_MS).then((exited) => (exited ? 0 : 124));
    const code = await Promise.race([command.exit, serverExited]);
    command.child.kill();
    if (code !== 0) throw new Error(`mariadb-admin shutdown exited ${code}`);
  };

  let port: number;
  try {
    await initMariaDbDataDir(dataDir, join(dir, 'install.log'));
    port = await launchOnPort(opts.port, launch);
    await createAdminUser(socket, user, password);
  } catch (error) {
    await server.kill();
    if (owned) await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    port,
    dir,
    socket,
    dataDir,
    errorLog,
    user,
    password,
    adminUrl: `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/`,
    get pid() {
      return server.pid;
    },
    get running() {
      return server.running;
    },
    ...controls(server, dir, () => launch(port), shutdown),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Redis

/** True when the server answers PING with +PONG. */
export function redisAnswers(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

export interface RedisServiceOptions extends ServiceOptions {
  /** More `--name value` arguments, e.g. `['--cluster-enabled', 'yes']` or `['--replicaof', '127.0.0.1', '6379']`. */
  extraArgs?: string[];
  /** Run as a Sentinel with this config file (Sentinel rewrites it, so it must be writable and its own). */
  sentinelConfigFile?: string;
}

/** Starts a throwaway Redis (no persistence: a restart empties it) on 127.0.0.1; or a Sentinel, or a cluster node. */
export async function startRedis(opts: RedisServiceOptions = {}): Promise<RedisHandle> {
  const redisServer = requireExecutable('redis-server', 'redis-server');
  const { dir, owned } = await prepareDir(opts.dir, opts.sentinelConfigFile ? 'sentinel' : 'redis');
  const logFile = join(dir, 'redis.log');
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const server = new ServerProcess(opts.sentinelConfigFile ? 'redis-sentinel' : 'redis-server', logFile, join(dir, 'server.pid'));

  const launch = async (port: number): Promise<void> => {
    const args = opts.sentinelConfigFile ? [opts.sentinelConfigFile, '--sentinel'] : [];
    args.push('--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--dir', dir, '--logfile', logFile);
    if (!opts.sentinelConfigFile) args.push('--save', '', '--appendonly', 'no');
    args.push(...(opts.extraArgs ?? []));
    server.spawn(redisServer, args, dir);
    await server.waitReady(() => redisAnswers(port), readyTimeoutMs);
  };

  let port: number;
  try {
    port = await launchOnPort(opts.port, launch);
  } catch (error) {
    await server.kill();
    if (owned) await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    logFile,
    get pid() {
      return server.pid;
    },
    get running() {
      return server.running;
    },
    ...controls(server, dir, () => launch(port)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Clean-up after runs that were killed outright (SIGKILL, OOM, a closed terminal)

async function filesNamed(dir: string, name: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isFile() && entry.name === name) found.push(join(dir, name));
    if (entry.isDirectory()) {
      const nested = join(dir, entry.name, name);
      if (await stat(nested).then((s) => s.isFile(), () => false)) found.push(nested);
    }
  }
  return found;
}

async function pidsIn(files: string[]): Promise<number[]> {
  const pids = await Promise.all(files.map((file) => readFile(file, 'utf8').then(Number, () => NaN)));
  return pids.filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Kills a leftover server only if it still runs inside `dir` (guards against pid reuse). */
async function killLeftover(pid: number, dir: string): Promise<void> {
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  if (!cwd || !(cwd === dir || cwd.startsWith(`${dir}/`))) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 40 && isAlive(pid); i++) await sleep(POLL_MS);
}

/**
 * Removes `sso-gw-*` dirs under os.tmpdir() whose owner process is gone, killing servers still running in them.
 * Returns the removed dirs. Dirs of live owners (a concurrent `npm test`) are left alone.
 */
export async function reapStaleServiceDirs(root = tmpdir()): Promise<string[]> {
  const reaped: string[] = [];
  const names = readdirSync(root).filter((name) => name.startsWith(SERVICE_DIR_PREFIX));
  for (const name of names) {
    const dir = join(root, name);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    const owners = await pidsIn(await filesNamed(dir, 'owner.pid'));
    const ownerless = owners.length === 0 && Date.now() - info.mtimeMs > 3_600_000;
    if (!ownerless && (owners.length === 0 || owners.some(isAlive))) continue;
    for (const pid of await pidsIn(await filesNamed(dir, 'server.pid'))) await killLeftover(pid, dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    reaped.push(dir);
  }
  return reaped;
}
