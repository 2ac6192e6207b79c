// `npm test`: install missing system packages (as root, via apt), type-check, start one MariaDB and one Redis,
// run test/**/*.test.ts (or the files given: `npm test -- test/a.test.ts`) with node's test runner (TAP on
// stdout), always tear the servers down. SKIP_TYPECHECK=1 skips tsc: for local debugging only, never in CI.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  findExecutable,
  makeServiceDir,
  reapStaleServiceDirs,
  startMariaDb,
  startRedis,
  type MariaDbHandle,
  type RedisHandle,
} from './support/services.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const APT_PACKAGES = ['mariadb-server', 'redis-server', 'nginx', 'chromium', 'openssl', 'docker-compose', 'curl', 'jq'];
const REQUIRED_TOOLS = ['mariadbd', 'mariadb-install-db', 'mariadb-admin', 'redis-server', 'nginx', 'openssl', 'docker-compose', 'curl', 'jq'];
const CHROMIUM = '/usr/bin/chromium';

interface Services {
  dir: string;
  mariadb?: MariaDbHandle;
  redis?: RedisHandle;
}

const services: Services = { dir: '' };
let testRunner: ChildProcess | undefined;
let interruptedExitCode: number | undefined;
let teardownPromise: Promise<void> | undefined;

function say(message: string): void {
  console.error(`[npm test] ${message}`);
}

/** Resolves with the child's exit code (1 when killed by a signal). */
function exitCode(child: ChildProcess): Promise<number> {
  return new Promise((resolveCode, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolveCode(code ?? 1));
  });
}

function run(command: string, args: string[], stdio: StdioOptions, env = process.env): Promise<number> {
  return exitCode(spawn(command, args, { cwd: ROOT, stdio, env }));
}

// 1. System packages -------------------------------------------------------------------------------------------

function missingTools(): string[] {
  const missing = REQUIRED_TOOLS.filter((tool) => !findExecutable(tool));
  if (!existsSync(CHROMIUM)) missing.push(CHROMIUM);
  if (!findExecutable('docker-compose')) missing.push('docker-compose');
  return missing;
}

async function ensureSystemPackages(): Promise<void> {
  const missing = missingTools();
  if (missing.length === 0) return;
  const aptGet = findExecutable('apt-get');
  if (process.getuid?.() !== 0 || !aptGet) {
    console.error(`npm test needs ${missing.join(', ')}: run \`sudo apt-get install -y ${APT_PACKAGES.join(' ')}\``);
    process.exit(1);
  }
  say(`missing ${missing.join(', ')}: installing ${APT_PACKAGES.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptOutput: StdioOptions = ['ignore', 2, 2]; // apt's progress goes to stderr: stdout stays TAP
  if ((await run(aptGet, ['update'], aptOutput, env)) !== 0) throw new Error('apt-get update failed');
  const install = ['install', '-y', '--no-install-recommends', ...APT_PACKAGES];
  if ((await run(aptGet, install, aptOutput, env)) !== 0) throw new Error('apt-get install failed');
  const stillMissing = missingTools();
  if (stillMissing.length > 0) throw new Error(`still missing after apt-get install: ${stillMissing.join(', ')}`);
}

// 2. Type-check ------------------------------------------------------------------------------------------------

async function typeCheck(): Promise<void> {
  if (process.env.SKIP_TYPECHECK === '1') {
    say('SKIP_TYPECHECK=1: not type-checking (local debugging only)');
    return;
  }
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  if ((await run(tsc, ['--noEmit', '-p', 'tsconfig.json'], 'inherit')) !== 0) {
    console.error('npm test: type-check failed (tsc --noEmit -p tsconfig.json); no tests were run');
    process.exit(2);
  }
}

// 3./4. Services -----------------------------------------------------------------------------------------------

async function startServices(): Promise<NodeJS.ProcessEnv> {
  const reaped = await reapStaleServiceDirs();
  if (reaped.length > 0) say(`removed ${reaped.length} leftover service dir(s) of earlier runs`);
  const started = Date.now();
  services.dir = await makeServiceDir('run');
  [services.mariadb, services.redis] = await Promise.all([
    startMariaDb({ dir: join(services.dir, 'mariadb') }),
    startRedis({ dir: join(services.dir, 'redis') }),
  ]);
  const { mariadb, redis } = services;
  say(`MariaDB on 127.0.0.1:${mariadb.port}, Redis on 127.0.0.1:${redis.port} (${Date.now() - started} ms)`);
  return {
    ...process.env,
    NODE_ENV: 'test',
    TEST_MYSQL_ADMIN_URL: mariadb.adminUrl,
    TEST_MYSQL_SOCKET: mariadb.socket,
    TEST_MARIADB_DATADIR: mariadb.dataDir,
    TEST_REDIS_URL: redis.url,
    TEST_SERVICES_DIR: services.dir,
  };
}

function teardown(): Promise<void> {
  teardownPromise ??= (async () => {
    const { mariadb, redis } = services;
    await Promise.allSettled([mariadb?.stop(), redis?.stop()]);
    if (services.dir) await rm(services.dir, { recursive: true, force: true, maxRetries: 3 });
  })();
  return teardownPromise;
}

// 5. Tests -----------------------------------------------------------------------------------------------------

function findTestFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') found.push(...findTestFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

function selectTestFiles(args: string[]): string[] {
  const files = args.length > 0 ? args.map((arg) => resolve(arg)) : findTestFiles(join(ROOT, 'test'));
  const absent = files.filter((file) => !existsSync(file));
  if (absent.length > 0) {
    console.error(`npm test: no such test file: ${absent.join(', ')}`);
    process.exit(2);
  }
  return files.map((file) => relative(ROOT, file)).sort();
}

function runTests(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-reporter-destination=stdout'];
  args.push('--test-concurrency=2', '--test-timeout=300000', '--test-force-exit', ...files);
  testRunner = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env });
  return exitCode(testRunner);
}

// Main ---------------------------------------------------------------------------------------------------------

/** First SIGINT/SIGTERM: stop the tests (main() then tears down) or, before they run, tear down and exit. */
function onSignal(signal: NodeJS.Signals, code: number): void {
  process.once(signal, () => {
    say(`${signal}: stopping tests and services`);
    interruptedExitCode = code;
    if (testRunner) testRunner.kill(signal);
    else void teardown().finally(() => process.exit(code));
  });
}

async function main(): Promise<number> {
  const files = selectTestFiles(process.argv.slice(2));
  if (files.length === 0) {
    console.error('npm test: no test files found');
    return 2;
  }
  await ensureSystemPackages();
  await typeCheck();
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);
  try {
    const env = await startServices();
    const code = await runTests(files, env);
    return interruptedExitCode ?? code;
  } finally {
    await teardown();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm test failed: ${error instanceof Error ? error.message : String(error)}`);
    void teardown().finally(() => process.exit(1));
  },
);
