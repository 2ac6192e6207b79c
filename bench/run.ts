// `npm run bench`: measures the gateway against the budgets of DESIGN §9 in one run of about two minutes, on
// loopback only, and writes bench/results.md. Phases: start-up of `npm start`; a bare node:http baseline and
// /auth/verify with an access token, a session cookie and a PAT (interleaved rounds, so a shared machine's
// drifting load hits all alike); raw bcrypt vs password sign-in, alone and while verify runs; end to end through
// the shipped nginx config (when nginx is installed) vs the same nginx with a zero-cost auth service.
// `npm run bench -- --metrics`: verify with Prometheus metrics off vs on (bench/lib/metrics-ab.ts).
// `npm run bench -- --soak 10m`: RSS every 10 s under a steady mixed load (bench/lib/soak.ts; not in CI).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_HOST, REPO_ROOT, startNginx } from '../test/support/nginx.js';
import { findExecutable, freePort, startRedis } from '../test/support/services.js';
import { createFixtures, type Fixtures } from './lib/fixtures.js';
import { median, runInterleaved, runLoad, type LoadOptions, type LoadResult, type Scenario } from './lib/load.js';
import { runWrkLoad } from './lib/wrk.js';
import { describeMachine, loadAverage } from './lib/machine.js';
import { rssMb, sampleRss, sleep, startChild, waitForOk, type Child } from './lib/processes.js';
import { renderResults, type BenchData } from './lib/report.js';
import { METRICS_RESULTS, runMetricsAb } from './lib/metrics-ab.js';
import { parseDuration, runSoak, SOAK_RESULTS } from './lib/soak.js';
import { measureSignInTiming } from './lib/sign-in-timing.js';
import { measureAuthCodeGrants } from './lib/oidc-grant.js';

/** Measured seconds per run; interleaved phases repeat each scenario ROUNDS times. */
const SECONDS = 4;
const ROUNDS = 3;
const SIGN_IN_SECONDS = 5;
const SIGN_IN_ROUNDS = 2;
/** Sequential sign-ins per outcome (unknown user, wrong password, archived user) for the timing medians. */
const TIMING_ROUNDS = 30;
const BCRYPT_COST = 10;
const RESULTS = join(REPO_ROOT, 'bench', 'results.md');
const TSX = ['--import', 'tsx'];
const ORIGINAL_URL = `https://${APP_HOST}/docs/index.html`;

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const children: Child[] = [];

function gatewayEnv(port: number, dir: string, name: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GATEWAY_')) env[key] = value;
  return {
    ...env,
    GATEWAY_PORT: String(port),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_DATABASE_URL: `sqlite:${join(dir, name)}`,
    GATEWAY_LOG_LEVEL: 'warn',
    GATEWAY_BCRYPT_COST: String(BCRYPT_COST),
  };
}

async function measureStartup(dir: string): Promise<{ freshMs: number; againMs: number }> {
  const once = async () => {
    const port = await freePort();
    const child = startChild('npm', ['start'], { cwd: REPO_ROOT, env: gatewayEnv(port, dir, 'startup.db'), group: true });
    try {
      return await waitForOk(`http://127.0.0.1:${port}/healthz`, child, 30_000, 5);
    } finally {
      await child.stop();
    }
  };
  const freshMs = await once();
  const againMs = await once();
  return { freshMs, againMs };
}

async function startBare(answer: 'empty' | 'identity' = 'empty'): Promise<{ child: Child; port: number }> {
  const port = await freePort();
  const child = startChild(process.execPath, [...TSX, 'bench/servers/bare-server.ts'], { cwd: REPO_ROOT, env: { ...process.env, BENCH_PORT: String(port), BENCH_ANSWER: answer } });
  children.push(child);
  await waitForOk(`http://127.0.0.1:${port}/`, child);
  return { child, port };
}

async function startGateway(dir: string, name = 'gateway.db', extraEnv: NodeJS.ProcessEnv = {}): Promise<{ child: Child; port: number; base: string }> {
  const port = await freePort();
  const env = {
    ...gatewayEnv(port, dir, name),
    GATEWAY_INSTANCE_URL: 'https://auth.example.test',
    GATEWAY_ALLOWED_REDIRECT_HOSTS: '.example.test',
    GATEWAY_ACCESS_RULES_FILE: join(REPO_ROOT, 'config', 'access-rules.example.json'),
    // --upstream-jwt: every allowed verify answer also carries the signed identity (cached per credential and host).
    ...(process.argv.includes('--upstream-jwt') ? { GATEWAY_UPSTREAM_JWT_HEADER: 'X-Auth-Request-Jwt' } : {}),
    ...extraEnv,
    // The sign-in timing phase fails on purpose many times from one address: regulation would answer 429.
    GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: '100000',
    GATEWAY_SIGNIN_MAX_FAILURES_PER_IP: '100000',
  };
  // The gateway as `npm start` and the image run it: the esbuild bundle (built by the start-up phase's prestart).
  const child = startChild(process.execPath, ['--enable-source-maps', 'dist/main.mjs'], { cwd: REPO_ROOT, env });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  await waitForOk(`${base}/healthz`, child);
  return { child, port, base };
}

async function rawBcrypt(seconds: number): Promise<number> {
  const child = startChild(process.execPath, [...TSX, 'bench/servers/bcrypt-raw.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, BENCH_BCRYPT_COST: String(BCRYPT_COST), BENCH_IN_FLIGHT: '8', BENCH_SECONDS: String(seconds) },
  });
  await new Promise((resolve) => child.process.once('exit', resolve));
  const line = child.output().trim().split('\n').pop() ?? '';
  return (JSON.parse(line) as { comparesPerSecond: number }).comparesPerSecond;
}

/** Raw bcrypt and sign-in alternate; then sign-in again while verify runs at a fixed rate. */
async function signInPhase(base: string, fixtures: Fixtures): Promise<BenchData['signIn']> {
  // Round-robin over several accounts: the gateway refuses more than a few attempts in flight per account. wrk
  // drives the sign-ins (a throughput row: autocannon in this process would take CPU from the bcrypt threads).
  const bodies = fixtures.signInAccounts.map((a) => JSON.stringify({ passwordCredentials: a }));
  const signIn = (label: string, warmUpSeconds: number) =>
    runWrkLoad(label, {
      url: `${base}/api/v1/auth/signin`,
      headers: { 'Content-Type': 'application/json' },
      bodies,
      connections: 8,
      seconds: SIGN_IN_SECONDS,
      warmUpSeconds,
    });
  const raws: number[] = [];
  const alones: LoadResult[] = [];
  for (let round = 0; round < SIGN_IN_ROUNDS; round++) {
    log(`raw bcrypt compare throughput, round ${round + 1}`);
    raws.push(await rawBcrypt(SIGN_IN_SECONDS));
    log(`password sign-in alone, round ${round + 1}`);
    alones.push(await signIn('password sign-in', round === 0 ? 1 : 0));
  }
  const alone: LoadResult = {
    ...alones[0]!,
    seconds: alones.reduce((sum, r) => sum + r.seconds, 0),
    okPerSecond: median(alones.map((r) => r.okPerSecond)),
    requestsPerSecond: median(alones.map((r) => r.requestsPerSecond)),
    non2xx: alones.reduce((sum, r) => sum + r.non2xx, 0),
    rounds: alones.length,
    ratio: median(alones.map((r, i) => r.okPerSecond / raws[i]!)),
  };
  log('password sign-in while verify runs at a fixed rate');
  const [together, verifyMeanwhile] = await Promise.all([
    signIn('password sign-in, verify running', 0),
    runLoad('/auth/verify during sign-ins', {
      url: `${base}/auth/verify`,
      headers: { 'X-Original-URL': ORIGINAL_URL, Accept: '*/*', Authorization: `Bearer ${fixtures.accessToken}` },
      connections: 10,
      overallRate: 1000,
      seconds: SIGN_IN_SECONDS * 2,
      warmUpSeconds: 0,
    }),
  ]);
  return { rawComparesPerSecond: median(raws), alone, together, verifyMeanwhile };
}

async function nginxPhase(gatewayPort: number, ssoSession: string): Promise<BenchData['nginx']> {
  if (!findExecutable('nginx')) return { skipped: 'nginx is not installed (apt-get install nginx).' };
  const app = await startBare();
  const zeroAuth = await startBare();
  const identityAuth = await startBare('identity');
  // The nginx instances run the same rendered config; only the auth upstream differs.
  const zeroNginx = await startNginx({ gatewayPort: zeroAuth.port, appPort: app.port, rateLimits: 'unlimited' });
  const identityNginx = await startNginx({ gatewayPort: identityAuth.port, appPort: app.port, rateLimits: 'unlimited' });
  const realNginx = await startNginx({ gatewayPort, appPort: app.port, rateLimits: 'unlimited' });
  const through = (label: string, httpsPort: number): Scenario => ({
    label,
    options: {
      url: `https://127.0.0.1:${httpsPort}/docs/index.html`,
      servername: APP_HOST,
      headers: { Host: `${APP_HOST}:${httpsPort}`, Cookie: `sso_session=${ssoSession}`, Accept: 'text/html' },
    },
  });
  try {
    log('nginx auth_request: zero-cost auth service vs the gateway, interleaved');
    const [zeroCost, identityCost, real] = await runInterleaved(
      [
        through('nginx + zero-cost auth_request → app', zeroNginx.httpsPort),
        through('nginx + bare auth_request answering with the allow headers → app', identityNginx.httpsPort),
        through('nginx + gateway auth_request (session cookie) → app', realNginx.httpsPort),
      ],
      ROUNDS,
      SECONDS,
    );
    return { real: real!, zeroCost: zeroCost!, identityCost: identityCost! };
  } finally {
    await realNginx.stop();
    await identityNginx.stop();
    await zeroNginx.stop();
  }
}

/** The rows `--only a,b` may name (default: all). verify-* pick single verify scenarios (the baselines always run). */
const ROWS = ['startup', 'verify-token', 'verify-cookie', 'verify-pat', 'fixed-rate', 'sign-in', 'sign-in-timing', 'nginx', 'oidc-grant', 'workers'] as const;
type Row = (typeof ROWS)[number];

function parseOnly(argv: string[]): Set<Row> {
  const at = argv.indexOf('--only');
  if (at < 0) return new Set(ROWS);
  const names = (argv[at + 1] ?? '').split(',').filter((n) => n !== '');
  const expanded = names.flatMap((n) => (n === 'verify' ? ['verify-token', 'verify-cookie', 'verify-pat'] : [n]));
  const unknown = expanded.filter((n) => !(ROWS as readonly string[]).includes(n));
  if (expanded.length === 0 || unknown.length > 0) throw new Error(`--only wants a comma-separated list of ${ROWS.join(', ')} (or verify), not "${argv[at + 1] ?? ''}"`);
  return new Set(expanded as Row[]);
}

/** wrk's runner for runInterleaved: same scenario shape, the C generator. */
const wrkRunner = (label: string, options: LoadOptions) =>
  runWrkLoad(label, { url: options.url, headers: options.headers as Record<string, string> | undefined, connections: options.connections ?? 50, seconds: options.seconds, warmUpSeconds: options.warmUpSeconds });

/** The 1,000 req/s rows: autocannon's overallRate paces the requests, so p95/p99 are latencies, not queue lengths. */
async function fixedRatePhase(scenarios: Scenario[]): Promise<LoadResult[]> {
  const out: LoadResult[] = [];
  for (const s of scenarios) {
    log(`${s.label} at a fixed 1,000 req/s`);
    out.push(await runLoad(s.label, { ...s.options, connections: 10, overallRate: 1000, seconds: SECONDS * 2, warmUpSeconds: 1 }));
  }
  return out;
}

async function main(only: Set<Row>): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = describeMachine();
  const loadBefore = loadAverage();
  const dir = mkdtempSync(join(tmpdir(), 'sso-gw-bench-'));
  const has = (row: Row) => only.has(row);
  try {
    let startup: BenchData['startup'];
    if (has('startup')) {
      log('start-up: npm start until /healthz answers');
      startup = await measureStartup(dir);
    } else {
      log('building dist/main.mjs (npm run build)');
      await build();
    }

    const bare = await startBare();
    const gateway = await startGateway(dir);
    const fixtures = await createFixtures(gateway.base);
    await sleep(2000);
    const idleMb = rssMb(gateway.child.pid);

    const verifyScenario = (label: string, credential: Record<string, string>): Scenario => ({
      label,
      options: { url: `${gateway.base}/auth/verify`, headers: { 'X-Original-URL': ORIGINAL_URL, Accept: '*/*', ...credential } },
    });
    const credentials: { row: Row; key: 'token' | 'cookie' | 'pat'; scenario: Scenario }[] = [
      { row: 'verify-token', key: 'token', scenario: verifyScenario('/auth/verify, access token', { Authorization: `Bearer ${fixtures.accessToken}` }) },
      { row: 'verify-cookie', key: 'cookie', scenario: verifyScenario('/auth/verify, session cookie', { Cookie: `sso_session=${fixtures.ssoSession}` }) },
      { row: 'verify-pat', key: 'pat', scenario: verifyScenario('/auth/verify, personal access token', { Authorization: `Bearer ${fixtures.pat}` }) },
    ];
    const chosen = credentials.filter((c) => has(c.row));
    const bareScenario: Scenario = { label: 'bare `node:http` (baseline)', options: { url: `http://127.0.0.1:${bare.port}/` } };

    const data: BenchData = {
      startedAt,
      totalSeconds: 0,
      machine,
      loadBefore,
      loadAfter: 0,
      bcryptCost: BCRYPT_COST,
      verify: {},
      memory: { idleMb, verifyStartMb: Number.NaN, verifyEndMb: Number.NaN, maxUnderLoadMb: idleMb },
      startup,
    };
    const peak = (mb: number) => (data.memory.maxUnderLoadMb = Math.max(data.memory.maxUnderLoadMb, mb));

    log('generator baselines: bare node:http under autocannon (in this process) and under wrk (C, one thread)');
    data.autocannonBaseline = await runLoad('bare `node:http`, autocannon -c 50', { url: `http://127.0.0.1:${bare.port}/`, seconds: SECONDS });
    data.wrkBaseline = await runWrkLoad('bare `node:http`, wrk -t1 -c50', { url: `http://127.0.0.1:${bare.port}/`, seconds: SECONDS });

    if (chosen.length > 0) {
      // For reading the verify rows: node:http alone, given the access-token verify request and answering with the
      // allowed answer's headers, i.e. what is left for the gateway's own work.
      const floor = await startBare('identity');
      const floorScenario: Scenario = {
        label: 'bare `node:http` given the verify request, answering with the gateway\'s allow headers',
        options: { ...credentials[0]!.scenario.options, url: `http://127.0.0.1:${floor.port}/auth/verify` },
      };
      log(`wrk: baseline and /auth/verify (${chosen.map((c) => c.key).join(', ')}), ${ROUNDS} interleaved rounds`);
      const phases = await sampleRss(gateway.child.pid, () => runInterleaved([bareScenario, floorScenario, ...chosen.map((c) => c.scenario)], ROUNDS, SECONDS, wrkRunner));
      const [baseline, answerFloor, ...rest] = phases.result;
      data.baseline = baseline;
      data.answerFloor = answerFloor;
      chosen.forEach((c, i) => (data.verify[c.key] = rest[i]));
      data.memory.verifyStartMb = phases.startMb;
      data.memory.verifyEndMb = phases.endMb;
      peak(phases.maxMb);
    }

    if (has('fixed-rate')) {
      const bareFixed: Scenario = { label: 'bare `node:http`', options: bareScenario.options };
      const phases = await sampleRss(gateway.child.pid, () => fixedRatePhase([bareFixed, ...credentials.map((c) => c.scenario)]));
      data.fixedRate = phases.result;
      peak(phases.maxMb);
    }

    if (has('sign-in')) {
      const phases = await sampleRss(gateway.child.pid, () => signInPhase(gateway.base, fixtures));
      data.signIn = phases.result;
      peak(phases.maxMb);
    }

    if (has('sign-in-timing')) {
      log(`sign-in timing: unknown user, wrong password, archived user (${TIMING_ROUNDS} interleaved rounds, one in flight)`);
      data.signInTiming = await measureSignInTiming(gateway.base, fixtures.accessToken, TIMING_ROUNDS);
    }

    if (has('nginx')) {
      const nginx = await sampleRss(gateway.child.pid, () => nginxPhase(gateway.port, fixtures.ssoSession));
      data.nginx = nginx.result;
      peak(nginx.maxMb);
    }

    if (has('oidc-grant')) {
      log('OpenID Provider: authorization-code round trips with an existing session');
      const oidcGrant = await sampleRss(gateway.child.pid, () => measureAuthCodeGrants(gateway.base, fixtures.accessToken, fixtures.ssoSession, SECONDS * 2));
      data.oidcGrant = oidcGrant.result;
      peak(oidcGrant.maxMb);
    }

    if (has('workers')) data.workers = await workersPhase(dir);

    data.totalSeconds = (performance.now() - t0) / 1000;
    data.loadAfter = loadAverage();
    const text = renderResults(data);
    // A partial run (--only) is printed, never written over the full results.
    if (only.size === ROWS.length) {
      writeFileSync(RESULTS, text);
      log(`wrote ${RESULTS} (${Math.round(data.totalSeconds)} s)`);
    }
    process.stdout.write(text);
  } finally {
    for (const child of children.reverse()) await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function build(): Promise<void> {
  const child = startChild('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT });
  if ((await new Promise((resolve) => child.process.once('exit', resolve))) !== 0) throw new Error(`build failed:\n${child.output()}`);
}

/**
 * GATEWAY_WORKERS=2 vs 1 on the same Redis and SQLite file, wrk on the access-token verify, interleaved. Skipped
 * (said so) without redis-server. The generator's share of the CPU is reported: on 2 cores it caps the gain.
 */
async function workersPhase(dir: string): Promise<BenchData['workers']> {
  if (!findExecutable('redis-server')) return { skipped: 'redis-server is not installed' };
  const redis = await startRedis();
  try {
    const env = { GATEWAY_REDIS_URL: redis.url };
    const one = await startGateway(dir, 'workers.db', { ...env, GATEWAY_WORKERS: '1' });
    const fixtures = await createFixtures(one.base);
    const two = await startGateway(dir, 'workers.db', { ...env, GATEWAY_WORKERS: '2' });
    const scenario = (label: string, base: string): Scenario => ({
      label,
      options: { url: `${base}/auth/verify`, headers: { 'X-Original-URL': ORIGINAL_URL, Accept: '*/*', Authorization: `Bearer ${fixtures.accessToken}` } },
    });
    log('GATEWAY_WORKERS=1 vs 2 (wrk, access token), interleaved');
    const [w1, w2] = await runInterleaved([scenario('GATEWAY_WORKERS=1', one.base), scenario('GATEWAY_WORKERS=2', two.base)], ROUNDS, SECONDS, wrkRunner);
    await one.child.stop();
    await two.child.stop();
    return { one: w1!, two: w2! };
  } finally {
    await redis.destroy();
  }
}

/** `--metrics`: /auth/verify with metrics off vs on; `--soak 10m`: RSS under a steady mixed load. */
async function mainOf(argv: string[]): Promise<void> {
  const soak = argv.indexOf('--soak');
  if (soak < 0 && !argv.includes('--metrics')) return main(parseOnly(argv));
  const dir = mkdtempSync(join(tmpdir(), 'sso-gw-bench-'));
  try {
    log('building dist/main.mjs (npm run build)');
    await build();
    const start = (name: string, env: NodeJS.ProcessEnv) => startGateway(dir, name, env);
    if (soak >= 0) {
      const text = await runSoak({ durationMs: parseDuration(argv[soak + 1]), start, log, originalUrl: ORIGINAL_URL });
      writeFileSync(SOAK_RESULTS, text);
      log(`wrote ${SOAK_RESULTS}`);
      process.stdout.write(text);
    } else {
      const text = await runMetricsAb({ start, log, originalUrl: ORIGINAL_URL, rounds: 4, seconds: SECONDS });
      writeFileSync(METRICS_RESULTS, text);
      log(`wrote ${METRICS_RESULTS}`);
      process.stdout.write(text);
    }
  } finally {
    for (const child of children.reverse()) await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

mainOf(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  void Promise.all(children.map((c) => c.stop())).finally(() => process.exit(1));
});
