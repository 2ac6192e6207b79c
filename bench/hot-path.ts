// In-process micro-benchmark (run by `npm run bench -- --metrics`): nanoseconds per ForwardAuth.decide with metrics
// off (no-op) and on (prom-client), for the access-token, session-cookie and PAT paths (all cache hits), and the
// metrics' own work per verify alone (the clock reads, the decision, the histogram, two cache counters), all
// interleaved. Prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.js';
import { requireConfig } from '../src/config.js';
import { closeDeps, openDeps } from '../src/deps.js';
import { getForwardAuth } from '../src/forward-auth/forward-auth.js';
import { ABSENT } from '../src/forward-auth/original-request.js';
import { createLogger } from '../src/logger.js';
import { noMetrics, type Metrics } from '../src/metrics/metrics.js';
import { PrometheusMetrics } from '../src/metrics/prometheus-metrics.js';
import { createFixtures } from './lib/fixtures.js';

const N = Number(process.env.N ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const dir = mkdtempSync(join(tmpdir(), 'gw-hot-'));

async function gateway(name: string, metrics: boolean) {
  const config = requireConfig({
    GATEWAY_DATABASE_URL: `sqlite:${join(dir, name)}`,
    GATEWAY_BCRYPT_COST: '4',
    GATEWAY_LOG_LEVEL: 'silent',
    ...(metrics ? { GATEWAY_METRICS_ADDR: '127.0.0.1:9999' } : {}),
  });
  const deps = await openDeps(config, { logger: createLogger('silent') });
  const server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const fixtures = await createFixtures(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  server.close();
  return { deps, fixtures, fa: getForwardAuth(deps) };
}

const off = await gateway('off.db', false);
const on = await gateway('on.db', true);
const inputs = (f: typeof off.fixtures) => ({
  token: { authorization: `Bearer ${f.accessToken}`, cookie: undefined, wantsHtml: false, target: ABSENT },
  cookie: { authorization: undefined, cookie: `sso_session=${f.ssoSession}`, wantsHtml: false, target: ABSENT },
  pat: { authorization: `Bearer ${f.pat}`, cookie: undefined, wantsHtml: false, target: ABSENT },
});
const sets = { off: inputs(off.fixtures), on: inputs(on.fixtures) };
const results: Record<string, { off: number[]; on: number[] }> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const path of ['token', 'cookie', 'pat'] as const) {
    results[path] ??= { off: [], on: [] };
    for (const which of ['off', 'on'] as const) {
      const fa = which === 'off' ? off.fa : on.fa;
      const input = sets[which][path];
      const t = performance.now();
      for (let i = 0; i < N; i++) {
        const d = await fa.decide(input);
        if (d.kind !== 'allow') throw new Error(`${which} ${path}: ${d.kind}`);
      }
      results[path][which].push(((performance.now() - t) * 1e6) / N);
    }
  }
}
/** What decide() and two cache lookups ask of the metrics for one verify, nothing else. */
function metricsWork(metrics: Metrics, n: number): number {
  const a = metrics.cache('access_token');
  const b = metrics.cache('access_token_session');
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    a.hit();
    b.hit();
    metrics.verified('allow', (performance.now() - started) / 1000);
  }
  return ((performance.now() - t) * 1e6) / n;
}
const prometheus = new PrometheusMetrics([]);
const work = { off: [] as number[], on: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  work.off.push(metricsWork(noMetrics, N * 10));
  work.on.push(metricsWork(prometheus, N * 10));
}
process.stdout.write(`${JSON.stringify({ n: N, rounds: ROUNDS, decide: results, metricsWork: work })}\n`);
await closeDeps(off.deps);
await closeDeps(on.deps);
rmSync(dir, { recursive: true, force: true });
