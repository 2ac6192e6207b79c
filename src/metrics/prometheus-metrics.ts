// The Metrics interface on prom-client: one Registry per gateway (built in deps.ts), every label child bound once
// at start so /auth/verify pays two increments and one observation, no label lookup by object. Dependency gauges
// are measured when scraped (one bounded ping each, shared by concurrent scrapes), plus prom-client's default
// process metrics (CPU, RSS, heap, event-loop lag, GC).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  BAN_KINDS,
  REFRESH_RESULTS,
  SIGN_IN_METHODS,
  SIGN_IN_RESULTS,
  VERIFY_CACHES,
  VERIFY_DECISIONS,
  type CacheMeter,
  type Metrics,
  type VerifyCacheName,
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

type Inc = { inc(): void };

function bind<K extends string>(counter: Counter<string>, keys: readonly K[], label: (key: K) => Record<string, string>): Record<K, Inc> {
  const children = {} as Record<K, Inc>;
  // Every child exists from the start, so a scrape shows 0 instead of a missing series.
  for (const key of keys) {
    const child = counter.labels(label(key));
    child.inc(0);
    children[key] = child;
  }
  return children;
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

export class PrometheusMetrics implements Metrics, MetricsExporter {
  readonly registry = new Registry();
  readonly contentType: string;
  private readonly decisions: Record<string, Inc>;
  private readonly duration: Histogram<string>;
  private readonly signIns: Record<string, Inc>;
  private readonly refreshes: Record<string, Inc>;
  private readonly bans: Record<string, Inc>;
  private readonly caches = new Map<VerifyCacheName, CacheMeter>();

  constructor(probes: readonly DependencyProbe[]) {
    const registers = [this.registry];
    this.contentType = this.registry.contentType;
    collectDefaultMetrics({ register: this.registry });
    const verify = new Counter({ name: 'gateway_verify_requests_total', help: '/auth/verify answers by decision', labelNames: ['decision'], registers });
    this.decisions = bind(verify, VERIFY_DECISIONS, (decision) => ({ decision }));
    this.duration = new Histogram({ name: 'gateway_verify_duration_seconds', help: 'Time to decide one /auth/verify', buckets: VERIFY_BUCKETS, registers });
    const signIn = new Counter({ name: 'gateway_signin_total', help: 'Sign-in attempts by method and result', labelNames: ['method', 'result'], registers });
    const pairs = SIGN_IN_METHODS.flatMap((method) => SIGN_IN_RESULTS.map((result) => `${method}:${result}` as const));
    this.signIns = bind(signIn, pairs, (pair) => {
      const [method = '', result = ''] = pair.split(':');
      return { method, result };
    });
    const refresh = new Counter({ name: 'gateway_refresh_total', help: 'Refresh-token rotations by result', labelNames: ['result'], registers });
    this.refreshes = bind(refresh, REFRESH_RESULTS, (result) => ({ result }));
    const bans = new Counter({ name: 'gateway_regulation_bans_total', help: 'Brute-force bans started, by regulation key kind', labelNames: ['kind'], registers });
    this.bans = bind(bans, BAN_KINDS, (kind) => ({ kind }));
    const hits = new Counter({ name: 'gateway_verify_cache_hits_total', help: 'Forward-auth cache lookups answered from the cache', labelNames: ['cache'], registers });
    const misses = new Counter({ name: 'gateway_verify_cache_misses_total', help: 'Forward-auth cache lookups that missed (absent or expired)', labelNames: ['cache'], registers });
    for (const cache of VERIFY_CACHES) {
      const hit = hits.labels({ cache });
      const miss = misses.labels({ cache });
      hit.inc(0);
      miss.inc(0);
      this.caches.set(cache, { hit: () => hit.inc(), miss: () => miss.inc() });
    }
    let probing: Promise<boolean[]> | null = null;
    new Gauge({
      name: 'gateway_dependency_up',
      help: 'Whether a dependency answered a ping within 500 ms at scrape time (1) or not (0)',
      labelNames: ['dependency'],
      registers,
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

  verified(decision: (typeof VERIFY_DECISIONS)[number], seconds: number): void {
    this.decisions[decision]!.inc();
    this.duration.observe(seconds);
  }

  signIn(method: (typeof SIGN_IN_METHODS)[number], result: (typeof SIGN_IN_RESULTS)[number]): void {
    this.signIns[`${method}:${result}`]!.inc();
  }

  refresh(result: (typeof REFRESH_RESULTS)[number]): void {
    this.refreshes[result]!.inc();
  }

  banned(kind: (typeof BAN_KINDS)[number]): void {
    this.bans[kind]!.inc();
  }

  cache(name: VerifyCacheName): CacheMeter {
    return this.caches.get(name)!;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
