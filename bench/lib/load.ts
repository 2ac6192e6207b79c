// One load phase with autocannon: requests per second over the measured window, and latency percentiles from
// every response's own timing (autocannon's histogram keeps whole milliseconds only; sub-millisecond p50s matter here).
import autocannon, { type Options } from 'autocannon';

export interface LoadResult {
  label: string;
  connections: number;
  seconds: number;
  requestsPerSecond: number;
  /** Responses with a 2xx status per second. */
  okPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** How many measured runs this result is the median of. */
  rounds: number;
  /** Median over rounds of req/s relative to the reference scenario of the same round (null: is the reference). */
  ratio: number | null;
}

class Latencies {
  private values = new Float64Array(1 << 16);
  private length = 0;

  add(ms: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = ms;
  }

  percentile(p: number): number {
    if (this.length === 0) return Number.NaN;
    const sorted = this.values.slice(0, this.length).sort();
    return sorted[Math.min(this.length - 1, Math.floor((p / 100) * this.length))]!;
  }
}

export type LoadOptions = Omit<Options, 'url' | 'duration'> & { url: string; seconds: number; warmUpSeconds?: number };

async function runOnce(options: Options, latencies: Latencies | null) {
  const instance = autocannon(options);
  if (latencies) {
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.add(ms);
    });
  }
  return await instance;
}

export async function runLoad(label: string, options: LoadOptions): Promise<LoadResult> {
  const { seconds, warmUpSeconds = 1, ...rest } = options;
  const base: Options = { connections: 50, pipelining: 1, timeout: 10, ...rest };
  if (warmUpSeconds > 0) await runOnce({ ...base, duration: warmUpSeconds }, null);
  const latencies = new Latencies();
  const result = await runOnce({ ...base, duration: seconds }, latencies);
  const elapsed = result.duration || seconds;
  return {
    label,
    connections: base.connections ?? 50,
    seconds: elapsed,
    requestsPerSecond: result.requests.total / elapsed,
    okPerSecond: result['2xx'] / elapsed,
    p50: latencies.percentile(50),
    p95: latencies.percentile(95),
    p99: latencies.percentile(99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rounds: 1,
    ratio: null,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Scenario {
  label: string;
  options: Omit<LoadOptions, 'seconds' | 'warmUpSeconds'>;
}

/**
 * Runs the scenarios in turn, `rounds` times over (A B C, A B C, …), so that load drifting on a shared machine
 * hits every scenario alike. Each result is the median over its rounds; `ratio` is the median of the per-round
 * ratios to the first scenario (the reference).
 */
export async function runInterleaved(
  scenarios: Scenario[],
  rounds: number,
  seconds: number,
  run: (label: string, options: LoadOptions) => Promise<LoadResult> = runLoad,
): Promise<LoadResult[]> {
  const runs: LoadResult[][] = scenarios.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, scenario] of scenarios.entries()) {
      runs[i]!.push(await run(scenario.label, { ...scenario.options, seconds, warmUpSeconds: round === 0 ? 1 : 0 }));
    }
  }
  const reference = runs[0]!;
  return runs.map((results, i) => ({
    ...results[0]!,
    seconds: results.reduce((sum, r) => sum + r.seconds, 0),
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    okPerSecond: median(results.map((r) => r.okPerSecond)),
    p50: median(results.map((r) => r.p50)),
    p95: median(results.map((r) => r.p95)),
    p99: median(results.map((r) => r.p99)),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    rounds: results.length,
    ratio: i === 0 ? null : median(results.map((r, k) => r.requestsPerSecond / reference[k]!.requestsPerSecond)),
  }));
}

export { median };
