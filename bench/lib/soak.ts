// `npm run bench -- --soak 10m` (not in CI): the gateway's RSS, sampled every 10 s, under a steady mixed load for
// the whole duration: /auth/verify at fixed rates with an access token, a session cookie and a PAT, password
// sign-ins (each a new session) and refresh-token rotations, the metrics listener scraped every 15 s. The verdict
// compares every sample after the warm-up with the first one after it: flat means all within ±10 %.
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { REPO_ROOT } from '../../test/support/nginx.js';
import { freePort, sleep } from '../../test/support/services.js';
import { createFixtures } from './fixtures.js';
import { describeMachine, loadAverage } from './machine.js';
import { rssMb, type Child } from './processes.js';

export const SOAK_RESULTS = join(REPO_ROOT, 'bench', 'soak-results.md');
const SAMPLE_EVERY_MS = 10_000;
const TOLERANCE = 0.1;
/** Fixed request rates of the mixed load (per second). */
const RATES = { verifyToken: 300, verifyCookie: 300, verifyPat: 300, signIn: 2, refresh: 5 };

type Start = (name: string, env: NodeJS.ProcessEnv) => Promise<{ child: Child; port: number; base: string }>;

/** `10m`, `90s`, `1h` → milliseconds (default 10 minutes). */
export function parseDuration(text: string | undefined): number {
  if (text === undefined) return 10 * 60_000;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!match) throw new Error(`--soak wants a duration such as 10m, 600s or 1h, not "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

interface Counts {
  ok: number;
  failed: number;
}

function cookieOf(res: Response, name: string): string | null {
  for (const c of res.headers.getSetCookie()) {
    const match = new RegExp(`^${name}=([^;]+)`).exec(c);
    if (match) return match[1]!;
  }
  return null;
}

/** Calls `work` at `perSecond` until `until`, one at a time (a slow answer delays the next, never piles up). */
async function steady(perSecond: number, until: number, counts: Counts, work: () => Promise<boolean>): Promise<void> {
  const every = 1000 / perSecond;
  let next = performance.now();
  while (Date.now() < until) {
    try {
      if (await work()) counts.ok++;
      else counts.failed++;
    } catch {
      counts.failed++;
    }
    next += every;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    else next = performance.now();
  }
}

export async function runSoak(options: { durationMs: number; start: Start; log: (m: string) => void; originalUrl: string }): Promise<string> {
  const { durationMs, start, log, originalUrl } = options;
  const startedAt = new Date();
  const loadBefore = loadAverage();
  const metricsPort = await freePort();
  const gateway = await start('soak.db', { GATEWAY_METRICS_ADDR: `127.0.0.1:${metricsPort}` });
  const fixtures = await createFixtures(gateway.base);
  await sleep(2000);
  const idleMb = rssMb(gateway.child.pid);
  const until = Date.now() + durationMs;
  const seconds = Math.ceil(durationMs / 1000);
  log(`soak for ${seconds} s; RSS idle ${idleMb.toFixed(1)} MB`);

  // The access token lives 15 minutes: the refresh loop keeps `current` fresh for the verify load.
  const current = { accessToken: fixtures.accessToken };
  const verify = (rate: number, header: () => Record<string, string>) =>
    autocannon({
      url: `${gateway.base}/auth/verify`,
      connections: 10,
      overallRate: rate,
      duration: seconds,
      timeout: 10,
      requests: [{ method: 'GET', path: '/auth/verify', setupRequest: (r) => ({ ...r, headers: { 'X-Original-URL': originalUrl, Accept: '*/*', ...header() } }) }],
    });
  const loads = [
    verify(RATES.verifyToken, () => ({ Authorization: `Bearer ${current.accessToken}` })),
    verify(RATES.verifyCookie, () => ({ Cookie: `sso_session=${fixtures.ssoSession}` })),
    verify(RATES.verifyPat, () => ({ Authorization: `Bearer ${fixtures.pat}` })),
  ];
  const signIns: Counts = { ok: 0, failed: 0 };
  const refreshes: Counts = { ok: 0, failed: 0 };
  const scrapes: Counts = { ok: 0, failed: 0 };
  let account = 0;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gateway.base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const signInLoop = steady(RATES.signIn, until, signIns, async () => {
    const res = await post('/api/v1/auth/signin', { passwordCredentials: fixtures.signInAccounts[account++ % fixtures.signInAccounts.length] });
    await res.arrayBuffer();
    return res.status === 200;
  });
  const first = await post('/api/v1/auth/signin', { passwordCredentials: { username: fixtures.username, password: fixtures.password } });
  await first.arrayBuffer();
  let refreshToken = cookieOf(first, 'memos_refresh');
  const refreshLoop = steady(RATES.refresh, until, refreshes, async () => {
    const res = await post('/api/v1/auth/refresh', {}, { Cookie: `memos_refresh=${refreshToken}`, Origin: 'https://auth.example.test' });
    const body = (await res.json()) as { accessToken?: string };
    if (res.status !== 200 || body.accessToken === undefined) return false;
    refreshToken = cookieOf(res, 'memos_refresh') ?? refreshToken;
    current.accessToken = body.accessToken;
    return true;
  });
  const scrapeLoop = steady(1 / 15, until, scrapes, async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    await res.text();
    return res.status === 200;
  });

  const samples: { atSeconds: number; mb: number }[] = [];
  const t0 = Date.now();
  while (Date.now() < until) {
    await sleep(Math.min(SAMPLE_EVERY_MS, Math.max(0, until - Date.now())));
    const mb = rssMb(gateway.child.pid);
    const atSeconds = Math.round((Date.now() - t0) / 1000);
    samples.push({ atSeconds, mb });
    log(`t=${atSeconds}s RSS ${mb.toFixed(1)} MB (sign-ins ${signIns.ok} ok, ${signIns.failed} failed; refreshes ${refreshes.ok} ok, ${refreshes.failed} failed)`);
  }
  const results = await Promise.all(loads);
  await Promise.all([signInLoop, refreshLoop, scrapeLoop]);
  return render({ startedAt, loadBefore, loadAfter: loadAverage(), durationMs, idleMb, samples, results, signIns, refreshes, scrapes });
}

function render(d: {
  startedAt: Date;
  loadBefore: number;
  loadAfter: number;
  durationMs: number;
  idleMb: number;
  samples: { atSeconds: number; mb: number }[];
  results: Result[];
  signIns: Counts;
  refreshes: Counts;
  scrapes: Counts;
}): string {
  const num = (n: number, digits = 1) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
  // The first minute (or tenth of a short soak) fills caches, JIT and pools: the curve is judged from after it.
  const warmUpSeconds = Math.min(60, d.durationMs / 10000);
  const judged = d.samples.filter((s) => s.atSeconds >= warmUpSeconds);
  const reference = judged[0]?.mb ?? Number.NaN;
  const startMb = d.samples[0]?.mb ?? Number.NaN;
  const endMb = d.samples.at(-1)?.mb ?? Number.NaN;
  const maxMb = Math.max(...d.samples.map((s) => s.mb));
  const worst = Math.max(...judged.map((s) => Math.abs(s.mb - reference) / reference));
  const flat = Number.isFinite(worst) && worst <= TOLERANCE;
  const [token, cookie, pat] = d.results as [Result, Result, Result];
  const m = describeMachine();
  const lines = ['# Soak: gateway RSS under a steady mixed load', ''];
  lines.push(
    `Produced by \`npm run bench -- --soak\` (bench/lib/soak.ts) on ${d.startedAt.toISOString()} for ${num(d.durationMs / 60000, 1)} min: ` +
      '`node dist/main.mjs`, embedded SQLite, in-process ephemeral state, metrics on (scraped every 15 s). Load, all at once ' +
      `for the whole run: /auth/verify at ${RATES.verifyToken} req/s with an access token (refreshed by the refresh loop), ` +
      `${RATES.verifyCookie} req/s with a session cookie, ${RATES.verifyPat} req/s with a PAT; ${RATES.signIn} password sign-ins/s ` +
      `(each a new session) and ${RATES.refresh} refresh-token rotations/s. RSS from /proc every ${SAMPLE_EVERY_MS / 1000} s.`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, Node ${m.node}; 1-minute load average ${num(d.loadBefore, 2)} before, ${num(d.loadAfter, 2)} after.`,
    '',
    '| what | value |',
    '|---|---|',
    `| RSS idle, before the load | ${num(d.idleMb)} MB |`,
    `| RSS start (first sample, t=${d.samples[0]?.atSeconds ?? 0} s) | ${num(startMb)} MB |`,
    `| RSS end (t=${d.samples.at(-1)?.atSeconds ?? 0} s) | ${num(endMb)} MB |`,
    `| RSS max | ${num(maxMb)} MB |`,
    `| after the ${num(warmUpSeconds, 0)} s warm-up: reference ${num(reference)} MB, largest deviation | ${num(worst * 100)} % |`,
    `| verdict (every sample after the warm-up within ±10 % of the reference) | ${flat ? '**flat**' : '**NOT flat**'} |`,
    `| verify answered 2xx / non-2xx / errors: token | ${token['2xx']} / ${token.non2xx} / ${token.errors + token.timeouts} |`,
    `| … session cookie | ${cookie['2xx']} / ${cookie.non2xx} / ${cookie.errors + cookie.timeouts} |`,
    `| … PAT | ${pat['2xx']} / ${pat.non2xx} / ${pat.errors + pat.timeouts} |`,
    `| sign-ins ok / failed | ${d.signIns.ok} / ${d.signIns.failed} |`,
    `| refreshes ok / failed | ${d.refreshes.ok} / ${d.refreshes.failed} |`,
    `| metrics scrapes ok / failed | ${d.scrapes.ok} / ${d.scrapes.failed} |`,
    '',
    '## The curve',
    '',
    '| t (s) | RSS (MB) | vs reference | |',
    '|---|---|---|---|',
  );
  const top = Math.max(maxMb, 1);
  for (const s of d.samples) {
    const bar = '█'.repeat(Math.max(1, Math.round((s.mb / top) * 40)));
    const vs = s.atSeconds >= warmUpSeconds ? `${s.mb >= reference ? '+' : ''}${num(((s.mb - reference) / reference) * 100)} %` : 'warm-up';
    lines.push(`| ${s.atSeconds} | ${num(s.mb)} | ${vs} | \`${bar}\` |`);
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}
