// The Metrics interface on prom-client: one Registry per gateway (built in deps.ts). The hot path (/auth/verify,
// its caches) only adds to plain numbers: prom-client reads them when scraped (each counter's collect(), and a
// small fixed-bucket histogram of our own that the registry formats like its own). Dependency gauges are measured
// when scraped (one bounded ping each, shared by concurrent scrapes); plus prom-client's default process metrics
// (CPU, RSS, heap, event-loop lag, GC).
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import {
  BAN_KINDS,
  OIDC_ENDPOINTS,
  OIDC_OUTCOMES,
  REFRESH_RESULTS,
  SIGN_IN_METHODS,
  SIGN_IN_RESULTS,
  VERIFY_CACHES,
  VERIFY_DECISIONS,
  type BanKind,
  type CacheMeter,
  type Metrics,
  type OidcEndpoint,
  type OidcOutcome,
  type RefreshResult,
  type SignInMethod,
  type SignInResult,
  type VerifyCacheName,
  type VerifyDecisionLabel,
} from './metrics.js';

/** Sub-millisecond resolution where a cache hit lands; up to the 3 s lookup deadline for database misses. */
export const VERIFY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3];
/** A dependency that has not answered in this long is reported down (the scrape itself must stay quick). */
export const DEPENDENCY_PROBE_TIMEOUT_MS = 500;

export interface DependencyProbe {
  name: 'database' | 'redis';
  ping(): Promise<unknown>;
}

/** What the metrics listener serves. */
export interface MetricsExporter {
  readonly contentType: string;
  scrape(): Promise<string>;
}

type Counts<K extends string> = Record<K, number>;

function zeros<K extends string>(keys: readonly K[]): Counts<K> {
  const counts = {} as Counts<K>;
  for (const key of keys) counts[key] = 0;
  return counts;
}

/** A prom-client counter whose values are `counts`, copied in at each scrape (every series exists from the start). */
function countedCounter<K extends string>(
  registry: Registry,
  spec: { name: string; help: string; labelNames: string[] },
  counts: Counts<K>,
  labelsOf: (key: K) => Record<string, string>,
): void {
  const keys = Object.keys(counts) as K[];
  new Counter({
    ...spec,
    registers: [registry],
    collect() {
      this.reset();
      for (const key of keys) this.inc(labelsOf(key), counts[key]);
    },
  });
}

class CountingCacheMeter implements CacheMeter {
  hits = 0;
  misses = 0;
  hit(): void {
    this.hits += 1;
  }
  miss(): void {
    this.misses += 1;
  }
}

interface HistogramValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** A label-less histogram as a few numbers: observe() is a bucket search and three additions, nothing allocated. */
class VerifyDurationHistogram {
  readonly name = 'gateway_verify_duration_seconds';
  readonly help = 'Time to decide one /auth/verify';
  readonly type = 'histogram';
  private readonly counts = new Float64Array(VERIFY_BUCKETS.length + 1);
  private sum = 0;
  private count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < VERIFY_BUCKETS.length && seconds > VERIFY_BUCKETS[i]!) i++;
    this.counts[i]! += 1;
    this.sum += seconds;
    this.count += 1;
  }

  /** What prom-client's registry formats (the shape of its own Histogram.get()). */
  get(): { name: string; help: string; type: 'histogram'; values: HistogramValue[]; aggregator: 'sum' } {
    const values: HistogramValue[] = [];
    let cumulative = 0;
    VERIFY_BUCKETS.forEach((le, i) => {
      cumulative += this.counts[i]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { le }, value: cumulative });
    });
    values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.count });
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: this.count });
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }
}

function pingWithin(probe: DependencyProbe, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    probe.ping().then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(false)),
    );
  });
}

const PAIRS = SIGN_IN_METHODS.flatMap((method) => SIGN_IN_RESULTS.map((result) => `${method}:${result}` as const));
type Pair = (typeof PAIRS)[number];
const OIDC_PAIRS = OIDC_ENDPOINTS.flatMap((endpoint) => OIDC_OUTCOMES.map((outcome) => `${endpoint}:${outcome}` as const));

export class PrometheusMetrics implements Metrics, MetricsExporter {
  readonly registry = new Registry();
  readonly contentType: string;
  private readonly decisions = zeros(VERIFY_DECISIONS);
  private readonly duration = new VerifyDurationHistogram();
  private readonly signIns = zeros(PAIRS);
  private readonly refreshes = zeros(REFRESH_RESULTS);
  private readonly bans = zeros(BAN_KINDS);
  private readonly oidcRequests = zeros(OIDC_PAIRS);
  private readonly caches = new Map<VerifyCacheName, CountingCacheMeter>(VERIFY_CACHES.map((name) => [name, new CountingCacheMeter()]));

  constructor(probes: readonly DependencyProbe[]) {
    const registry = this.registry;
    this.contentType = registry.contentType;
    collectDefaultMetrics({ register: registry });
    countedCounter(registry, { name: 'gateway_verify_requests_total', help: '/auth/verify answers by decision', labelNames: ['decision'] }, this.decisions, (decision) => ({ decision }));
    // Not a prom-client class, but the object the registry reads (name, type, get()): see VerifyDurationHistogram.
    registry.registerMetric(this.duration as unknown as Metric);
    countedCounter(registry, { name: 'gateway_signin_total', help: 'Sign-in attempts by method and result', labelNames: ['method', 'result'] }, this.signIns, (pair) => {
      const [method = '', result = ''] = pair.split(':');
      return { method, result };
    });
    countedCounter(registry, { name: 'gateway_refresh_total', help: 'Refresh-token rotations by result', labelNames: ['result'] }, this.refreshes, (result) => ({ result }));
    countedCounter(registry, { name: 'gateway_regulation_bans_total', help: 'Brute-force bans started, by regulation key kind', labelNames: ['kind'] }, this.bans, (kind) => ({ kind }));
    countedCounter(registry, { name: 'gateway_oidc_requests_total', help: 'OpenID Provider protocol answers by endpoint and outcome', labelNames: ['endpoint', 'outcome'] }, this.oidcRequests, (pair) => {
      const [endpoint = '', outcome = ''] = pair.split(':');
      return { endpoint, outcome };
    });
    const meters = this.caches;
    const cacheCounter = (name: string, help: string, read: (m: CountingCacheMeter) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['cache'],
        registers: [registry],
        collect() {
          this.reset();
          for (const [cache, meter] of meters) this.inc({ cache }, read(meter));
        },
      });
    cacheCounter('gateway_verify_cache_hits_total', 'Forward-auth cache lookups answered from the cache', (m) => m.hits);
    cacheCounter('gateway_verify_cache_misses_total', 'Forward-auth cache lookups that missed (absent or expired)', (m) => m.misses);
    let probing: Promise<boolean[]> | null = null;
    new Gauge({
      name: 'gateway_dependency_up',
      help: 'Whether a dependency answered a ping within 500 ms at scrape time (1) or not (0)',
      labelNames: ['dependency'],
      registers: [registry],
      async collect() {
        // Concurrent scrapes share one round of pings: a scraper cannot multiply the load on a sick database.
        probing ??= Promise.all(probes.map((p) => pingWithin(p, DEPENDENCY_PROBE_TIMEOUT_MS))).finally(() => {
          probing = null;
        });
        const up = await probing;
        probes.forEach((probe, i) => this.set({ dependency: probe.name }, up[i] ? 1 : 0));
      },
    });
  }

  verified(decision: VerifyDecisionLabel, seconds: number): void {
    this.decisions[decision] += 1;
    this.duration.observe(seconds);
  }

  signIn(method: SignInMethod, result: SignInResult): void {
    this.signIns[`${method}:${result}`] += 1;
  }

  refresh(result: RefreshResult): void {
    this.refreshes[result] += 1;
  }

  banned(kind: BanKind): void {
    this.bans[kind] += 1;
  }

  cache(name: VerifyCacheName): CacheMeter {
    return this.caches.get(name)!;
  }

  oidcRequest(endpoint: OidcEndpoint, outcome: OidcOutcome): void {
    this.oidcRequests[`${endpoint}:${outcome}`] += 1;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
