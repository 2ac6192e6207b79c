// bench/results.md: every number of one `npm run bench`, its budget from DESIGN §9 and whether it was met.
import type { Machine } from './machine.js';
import type { LoadResult } from './load.js';
import type { SignInTiming } from './sign-in-timing.js';

export interface BenchData {
  startedAt: Date;
  totalSeconds: number;
  machine: Machine;
  loadBefore: number;
  loadAfter: number;
  bcryptCost: number;
  /** Both generators against the same bare node:http server, so a reader sees what the machine can do. */
  autocannonBaseline?: LoadResult;
  wrkBaseline?: LoadResult;
  /** wrk: the bare server of the interleaved verify rounds (each verify ratio is against it). */
  baseline?: LoadResult;
  /** wrk: bare node:http given the verify request and answering with the allow headers (for reading, no goal). */
  answerFloor?: LoadResult;
  verify: { token?: LoadResult; cookie?: LoadResult; pat?: LoadResult };
  /** autocannon at a fixed 1,000 req/s: bare, then access token, cookie, PAT. */
  fixedRate?: LoadResult[];
  /** `alone.ratio`: median over rounds of sign-ins per second / raw compares per second. */
  signIn?: { rawComparesPerSecond: number; alone: LoadResult; together: LoadResult; verifyMeanwhile: LoadResult };
  signInTiming?: SignInTiming;
  /** identityCost (for reading, no goal): the zero-cost service answering with the allow headers (what nginx's
   *  auth_request_set and proxy_set_header lines cost for them). */
  nginx?: { real: LoadResult; zeroCost: LoadResult; identityCost?: LoadResult } | { skipped: string };
  /** GATEWAY_WORKERS=1 (reference) vs 2, wrk on the access-token verify. */
  workers?: { one: LoadResult; two: LoadResult } | { skipped: string };
  memory: { idleMb: number; verifyStartMb: number; verifyEndMb: number; maxUnderLoadMb: number };
  startup?: { freshMs: number; againMs: number };
  /** OpenID Provider: authorization-code round trips with an existing session (after the verify phases). */
  oidcGrant?: LoadResult;
}

const num = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const ms = (n: number) => `${num(n, 2)} ms`;
const verdict = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');

function loadRow(r: LoadResult, budget: string, ok: boolean | null): string {
  const ratio = r.ratio === null ? '1.00×' : `${num(r.ratio, 2)}×`;
  const bad = r.non2xx + r.errors > 0 ? ` (${num(r.non2xx)} non-2xx, ${num(r.errors)} errors)` : '';
  const result = ok === null ? '' : verdict(ok);
  return `| ${r.label}${bad} | ${r.connections} | ${num(r.requestsPerSecond)} | ${ms(r.p50)} | ${ms(r.p99)} | ${ratio} | ${budget} | ${result} |`;
}

const NOT_RUN = 'not run (`--only`)';
/** Issue 17: through nginx `auth_request`, gateway vs the zero-cost auth service (goal table and nginx section alike). */
const NGINX_GOAL = 0.9;

/** The goals of issue 17, one row each: measured value, goal, pass/FAIL (or why not measured). */
function goalRows(d: BenchData): string[] {
  const rows: string[] = ['| scenario | measured | goal | result |', '|---|---|---|---|'];
  const row = (what: string, value: string, goal: string, ok: boolean | string) =>
    rows.push(`| ${what} | ${value} | ${goal} | ${typeof ok === 'string' ? ok : verdict(ok)} |`);
  const clean = (r: LoadResult) => r.non2xx + r.errors === 0;
  const ratioOf = (r: LoadResult | undefined) => (r === undefined ? Number.NaN : (r.ratio ?? Number.NaN));
  const t = d.verify.token;
  row('verify, access token, 50 connections (wrk), vs bare `node:http`', t ? `${num(ratioOf(t), 2)}×` : NOT_RUN, '≥ 0.8×', t ? ratioOf(t) >= 0.8 && clean(t) : NOT_RUN);
  for (const [name, r] of [['session cookie', d.verify.cookie], ['PAT', d.verify.pat]] as const) {
    row(`verify, ${name}, 50 connections (wrk), vs bare \`node:http\``, r ? `${num(ratioOf(r), 2)}×` : NOT_RUN, '≥ 0.75×', r ? ratioOf(r) >= 0.75 && clean(r) : NOT_RUN);
  }
  for (const r of (d.fixedRate ?? []).slice(1)) {
    row(`${r.label} at a fixed 1,000 req/s (autocannon): p95 / p99`, `${ms(r.p95)} / ${ms(r.p99)}`, '≤ 1 ms / ≤ 2 ms', r.p95 <= 1 && r.p99 <= 2 && clean(r));
  }
  if (d.fixedRate === undefined) row('verify at a fixed 1,000 req/s (access token, cookie, PAT): p95 / p99', NOT_RUN, '≤ 1 ms / ≤ 2 ms', NOT_RUN);
  if (d.nginx === undefined || 'skipped' in d.nginx) {
    row('through nginx `auth_request`, vs the zero-cost auth service', d.nginx ? d.nginx.skipped : NOT_RUN, `≥ ${NGINX_GOAL}×`, d.nginx ? 'not measured' : NOT_RUN);
  } else {
    row('through nginx `auth_request`, vs the zero-cost auth service (autocannon)', `${num(ratioOf(d.nginx.real), 2)}×`, `≥ ${NGINX_GOAL}×`, ratioOf(d.nginx.real) >= NGINX_GOAL && clean(d.nginx.real));
  }
  const s = d.signIn;
  if (s) {
    const ratio = s.alone.ratio ?? Number.NaN;
    row('sign-in throughput vs raw bcrypt, same cost and pool', `${num(ratio * 100)} %`, '≥ 90 %', ratio >= 0.9 && clean(s.alone));
    row('verify (access token, 1,000 req/s) p99 during the sign-in flood', ms(s.verifyMeanwhile.p99), '≤ 10 ms', s.verifyMeanwhile.p99 <= 10 && s.verifyMeanwhile.non2xx === 0);
  } else {
    row('sign-in throughput vs raw bcrypt; verify p99 during the flood', NOT_RUN, '≥ 90 %; ≤ 10 ms', NOT_RUN);
  }
  const w = d.workers;
  if (w === undefined || 'skipped' in w) {
    row('`GATEWAY_WORKERS=2` vs 1, verify req/s (wrk -t1 shares the 2 cores)', w ? w.skipped : NOT_RUN, '≥ 1.3×', w ? 'not measured' : NOT_RUN);
  } else {
    row(`\`GATEWAY_WORKERS=2\` vs 1, verify req/s (${num(w.one.requestsPerSecond)} → ${num(w.two.requestsPerSecond)}; wrk -t1 takes up to one of the ${d.machine.cores} cores)`, `${num(ratioOf(w.two), 2)}×`, '≥ 1.3×', ratioOf(w.two) >= 1.3 && clean(w.two));
  }
  const mem = d.memory;
  row('RSS idle / peak (gateway process, every feature loaded)', `${num(mem.idleMb, 1)} / ${num(mem.maxUnderLoadMb, 1)} MB`, '≤ 130 / ≤ 250 MB', mem.idleMb <= 130 && mem.maxUnderLoadMb <= 250);
  return rows;
}

function verifyOk(r: LoadResult, minRatio: number): boolean {
  return (r.ratio ?? 0) >= minRatio && r.p99 <= 5 && r.non2xx + r.errors === 0;
}

export function renderResults(d: BenchData): string {
  const m = d.machine;
  const b = d.baseline;
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(
    `Produced by \`npm run bench\` (bench/run.ts) on ${d.startedAt.toISOString()} in ${num(d.totalSeconds)} s. ` +
      'Everything on loopback; wrk (C, one thread) drives the throughput rows (verify, sign-in, workers) and autocannon (in the bench process) the fixed-rate and nginx rows; the gateway (`node dist/main.mjs`, the bundle `npm start` runs, ' +
      'embedded SQLite in a temp dir, in-process ephemeral state, `config/access-rules.example.json` loaded) and every ' +
      'stand-in server in their own processes, all on the same cores. Latencies are per-response timings measured by ' +
      'the load generator (so they include its own queueing).',
    '',
  );
  lines.push('## Machine', '');
  lines.push(`- CPU: ${m.cpuModel}, ${m.cores} cores; memory ${num(m.memoryGb, 1)} GB; ${m.os}`);
  lines.push(`- Node ${m.node}; libuv thread pool ${m.threadPool}; bcrypt cost ${d.bcryptCost}; ${m.nginx ?? 'nginx not installed'}`);
  lines.push(
    `- 1-minute load average ${num(d.loadBefore, 2)} before and ${num(d.loadAfter, 2)} after the run ` +
      '(other work on a shared machine lowers every number below).',
    '',
  );

  lines.push('## Goals (issue 17)', '', ...goalRows(d), '');

  lines.push('## Load generators on this machine (bare `node:http`, 50 connections)', '');
  lines.push('| generator | req/s | p50 | p99 |', '|---|---|---|---|');
  for (const g of [d.autocannonBaseline, d.wrkBaseline]) if (g) lines.push(`| ${g.label} | ${num(g.requestsPerSecond)} | ${ms(g.p50)} | ${ms(g.p99)} |`);
  lines.push('', 'autocannon runs in the bench process (Node) and wrk is one C thread; both share the cores with the server.', '');

  if (b !== undefined) {
    lines.push(
      `## /auth/verify under wrk (${b.connections} connections; ${b.rounds} interleaved rounds of ${num(b.seconds / b.rounds)} s per scenario)`,
      '',
      'Every number is the median over the rounds; "vs baseline" is the median of the per-round ratios.',
      '',
    );
    lines.push('| scenario | conns | req/s | p50 | p99 | vs baseline | goal | result |', '|---|---|---|---|---|---|---|---|');
    lines.push(loadRow(b, 'the baseline', null));
    if (d.answerFloor) lines.push(loadRow(d.answerFloor, '(what node:http alone reaches)', null));
    if (d.verify.token) lines.push(loadRow(d.verify.token, '≥ 0.8×', verifyOk(d.verify.token, 0.8)));
    if (d.verify.cookie) lines.push(loadRow(d.verify.cookie, '≥ 0.75×', verifyOk(d.verify.cookie, 0.75)));
    if (d.verify.pat) lines.push(loadRow(d.verify.pat, '≥ 0.75×', verifyOk(d.verify.pat, 0.75)));
    if (d.answerFloor) {
      lines.push(
        '',
        'The second row is node:http alone doing what every verify answer must: reading the verify request (the ' +
          'credential and `X-Original-URL` make it about 400 bytes) and writing the nine headers of an allowed answer. ' +
          'Its ratio bounds what any gateway code on node:http can reach; the distance between it and a verify row is ' +
          'the gateway\'s own work (the credential cache, the target parse, the rules).',
      );
    }
    lines.push('');
  }

  if (d.fixedRate) {
    lines.push('## /auth/verify at a fixed 1,000 req/s (autocannon `overallRate`, 10 connections)', '');
    lines.push('| scenario | req/s | p50 | p95 | p99 | goal | result |', '|---|---|---|---|---|---|---|');
    d.fixedRate.forEach((r, i) => {
      const ok = r.p95 <= 1 && r.p99 <= 2 && r.non2xx + r.errors === 0;
      lines.push(`| ${r.label} | ${num(r.requestsPerSecond)} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${i === 0 ? 'the reference' : '≤ 1 ms / ≤ 2 ms'} | ${i === 0 ? '' : verdict(ok)} |`);
    });
    lines.push('');
  }

  if (d.workers && !('skipped' in d.workers)) {
    const w = d.workers;
    lines.push('## GATEWAY_WORKERS (node:cluster, Redis, same SQLite file; wrk, access token)', '');
    lines.push('| scenario | conns | req/s | p50 | p99 | vs 1 worker | goal | result |', '|---|---|---|---|---|---|---|---|');
    lines.push(loadRow(w.one, 'the reference', null));
    lines.push(loadRow(w.two, '≥ 1.3×', (w.two.ratio ?? 0) >= 1.3));
    lines.push('');
  }

  const s = d.signIn;
  if (s) {
  const aloneRatio = s.alone.ratio ?? Number.NaN;
  const togetherRatio = s.together.okPerSecond / s.rawComparesPerSecond;
  lines.push('## Password sign-in (bcrypt on the libuv thread pool)', '');
  lines.push(
    `Raw compares and sign-ins alternate (${s.alone.rounds} rounds of ${num(s.alone.seconds / s.alone.rounds)} s each); the ratio is the median of the per-round ratios. ` +
      `"While verify runs" is a run of its own (${num(s.together.seconds)} s, beside the fixed-rate verify load), against the median raw figure. ` +
      'wrk drives the sign-ins (POST bodies over several accounts, round robin); autocannon the fixed-rate verify beside them.',
    '',
  );
  lines.push('| what | value | budget | result |', '|---|---|---|---|');
  lines.push(`| raw \`bcrypt.compare\` throughput, same cost and thread pool, 8 in flight | ${num(s.rawComparesPerSecond, 1)} /s | | |`);
  const failed = (r: LoadResult) => (r.non2xx + r.errors > 0 ? ` (${num(r.non2xx)} non-2xx, ${num(r.errors)} errors)` : '');
  lines.push(`| sign-in throughput alone (${s.alone.connections} connections)${failed(s.alone)} | ${num(s.alone.okPerSecond, 1)} /s = ${num(aloneRatio * 100)} % of raw | ≥ 90 % | ${verdict(aloneRatio >= 0.9 && s.alone.non2xx + s.alone.errors === 0)} |`);
  lines.push(`| sign-in throughput while verify runs${failed(s.together)} | ${num(s.together.okPerSecond, 1)} /s = ${num(togetherRatio * 100)} % of raw | (for information) | |`);
  lines.push(
    `| verify (access token) at a fixed ${num(s.verifyMeanwhile.requestsPerSecond)} req/s meanwhile: p50 / p99 | ${ms(s.verifyMeanwhile.p50)} / ${ms(s.verifyMeanwhile.p99)} | p99 ≤ 10 ms | ${verdict(s.verifyMeanwhile.p99 <= 10 && s.verifyMeanwhile.non2xx === 0)} |`,
  );
  lines.push('');
  }

  const t = d.signInTiming;
  if (t) {
  lines.push('## Sign-in timing by outcome (no user enumeration by timing)', '');
  lines.push(
    `One sign-in in flight, the three kinds interleaved over ${t.rounds} rounds (after one warm-up round); each answers 401 ` +
      'after one bcrypt compare (a dummy hash for the unknown name). Medians of the response time:',
    '',
  );
  lines.push('| sign-in | median | non-401 answers |', '|---|---|---|');
  for (const m of t.medians) lines.push(`| ${m.kind} | ${ms(m.ms)} | ${num(m.non401)} |`);
  lines.push(
    `| largest difference between two medians | ${ms(t.spreadMs)} = ${num(t.spreadShare * 100, 1)} % | (for information: a bcrypt compare is ~${num(Math.min(...t.medians.map((m) => m.ms)))} ms) |`,
    '',
  );

  }
  if (d.nginx) {
  lines.push('## End to end through nginx `auth_request` (https, shipped config, session cookie)', '');
  if ('skipped' in d.nginx) {
    lines.push(`Not measured: ${d.nginx.skipped}`, '');
  } else {
    const { real, zeroCost, identityCost } = d.nginx;
    lines.push(`${real.rounds} interleaved rounds of ${num(real.seconds / real.rounds)} s; medians as above.`, '');
    lines.push('| scenario | conns | req/s | p50 | p99 | vs zero-cost | goal | result |', '|---|---|---|---|---|---|---|---|');
    lines.push(loadRow(zeroCost, 'the reference', null));
    if (identityCost) lines.push(loadRow(identityCost, '(for reading)', null));
    lines.push(loadRow(real, `≥ ${NGINX_GOAL}×`, (real.ratio ?? 0) >= NGINX_GOAL && real.non2xx + real.errors === 0));
    lines.push(
      '',
      'Zero-cost: the same rendered nginx config with a bare `node:http` server answering 200 (`Content-Length: 0`) in place of the gateway. ' +
        'The second row puts the same bare server there answering with the nine headers of the gateway\'s allowed answer, which nginx reads ' +
        '(`auth_request_set`) and passes to the app: the part of the gap the answer itself costs, whatever computes it.',
      '',
    );
  }

  }
  if (d.oidcGrant) {
  lines.push('## OpenID Provider: authorization-code grant', '');
  lines.push('Round trips an app makes per sign-in with an existing gateway session: authorize (PKCE S256) → the gateway\'s interaction → code → token, one after another per loop; measured after the verify phases, so the verify figures above are unaffected.', '');
  lines.push('| scenario | loops | round trips/s | p50 | p99 | | budget | result |', '|---|---|---|---|---|---|---|---|');
  lines.push(loadRow(d.oidcGrant, 'none yet (recorded)', d.oidcGrant.errors === 0 ? true : false));
  lines.push('');
  }

  const mem = d.memory;
  const flat = Math.abs(mem.verifyEndMb - mem.verifyStartMb) / mem.verifyStartMb;
  lines.push('## Memory and start-up (gateway process)', '');
  lines.push('| what | value | budget | result |', '|---|---|---|---|');
  lines.push(`| RSS idle (after start-up and the fixtures) | ${num(mem.idleMb, 1)} MB | ≤ 130 MB | ${verdict(mem.idleMb <= 130)} |`);
  lines.push(`| RSS peak under the bench load | ${num(mem.maxUnderLoadMb, 1)} MB | ≤ 250 MB | ${verdict(mem.maxUnderLoadMb <= 250)} |`);
  lines.push(`| RSS change over the three verify phases (${num(mem.verifyStartMb, 1)} → ${num(mem.verifyEndMb, 1)} MB) | ${num(flat * 100, 1)} % | flat ± 10 % over a 10-minute soak | not measured here (a 10-minute soak does not fit a 3-minute run) |`);
  if (d.startup) {
    lines.push(`| \`npm start\` to a healthy /healthz, fresh temp dir (creates the database) | ${num(d.startup.freshMs)} ms | ≤ 2 s | ${verdict(d.startup.freshMs <= 2000)} |`);
    lines.push(`| \`npm start\` to a healthy /healthz, second start on that database | ${num(d.startup.againMs)} ms | ≤ 2 s | ${verdict(d.startup.againMs <= 2000)} |`);
  }
  lines.push('');
  lines.push('## Reading these numbers', '');
  lines.push(
    `- The load generators run on the same ${m.cores} cores as the server under test, so every ` +
      `latency includes its queueing: the bare baseline's own p99 is ${ms(b?.p99 ?? Number.NaN)} under wrk and ${ms(d.autocannonBaseline?.p99 ?? Number.NaN)} under autocannon. A p99 budget of 5 ms at 50 ` +
      'connections is only meaningful with the generator on other cores.',
    '- The sign-in ratio compares two separate runs (raw compares, then sign-ins) on the same thread pool; any other ' +
      'work on the machine during either run moves it.',
    '- `npm start` bundles the gateway with esbuild (prestart, about 60 ms) and runs it with plain node; the gateway ' +
      'caps bcrypt at 2 concurrent compares so JWT checks (WebCrypto, same libuv pool) keep their latency during a ' +
      'sign-in flood, which costs sign-in throughput against a raw run with 8 compares in flight.',
    '',
  );
  return `${lines.join('\n')}\n`;
}
