// Throughput phases with wrk (Debian's C load generator, one thread): it costs the two shared cores far less than
// autocannon in the bench process, so a fast server's number is the server's and not the generator's. Its Lua
// `done` hook prints the totals and latency percentiles (microseconds) as one JSON line. Fixed-rate rows stay on
// autocannon (`overallRate`): wrk 4 has no pacing, and without pacing a latency percentile is a queue length.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load.js';

export const WRK = '/usr/bin/wrk';

const DONE_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%f,"p95":%f,"p99":%f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
`;

let scriptPath: string | null = null;
function doneScript(): string {
  if (scriptPath === null) {
    scriptPath = join(mkdtempSync(join(tmpdir(), 'bench-wrk-')), 'done.lua');
    writeFileSync(scriptPath, DONE_SCRIPT);
  }
  return scriptPath;
}

export interface WrkOptions {
  url: string;
  headers?: Record<string, string>;
  /** POST these bodies, one after another per connection thread (e.g. sign-ins over several accounts). */
  bodies?: string[];
  connections?: number;
  seconds: number;
  threads?: number;
}

const bodiesScripts = new Map<string, string>();

/** A script that POSTs `bodies` round robin (Lua long strings: no escaping), then the same `done` hook; written once per body list. */
function bodiesScript(bodies: string[]): string {
  const cacheKey = JSON.stringify(bodies);
  const written = bodiesScripts.get(cacheKey);
  if (written !== undefined) return written;
  const quoted = bodies.map((b) => {
    if (b.includes(']==]')) throw new Error('a wrk body may not contain ]==]');
    return `[==[${b}]==]`;
  });
  const path = join(mkdtempSync(join(tmpdir(), 'bench-wrk-')), 'bodies.lua');
  writeFileSync(
    path,
    `local bodies = { ${quoted.join(', ')} }
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", nil, nil, bodies[i])
end
${DONE_SCRIPT}`,
  );
  bodiesScripts.set(cacheKey, path);
  return path;
}

function runWrk(options: WrkOptions, seconds: number): Promise<string> {
  const script = options.bodies ? bodiesScript(options.bodies) : doneScript();
  const args = ['-t', String(options.threads ?? 1), '-c', String(options.connections ?? 50), '-d', `${seconds}s`, '--latency', '-s', script];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(options.url);
  return new Promise((resolve, reject) => {
    execFile(WRK, args, { timeout: (seconds + 30) * 1000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`wrk failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** One wrk run (after an optional warm-up run) as a LoadResult; `non2xx` counts wrk's status errors (≥ 400). */
export async function runWrkLoad(label: string, options: WrkOptions & { warmUpSeconds?: number }): Promise<LoadResult> {
  if (!existsSync(WRK)) throw new Error(`${WRK} is missing (apt-get install wrk)`);
  if ((options.warmUpSeconds ?? 1) > 0) await runWrk(options, options.warmUpSeconds ?? 1);
  const out = await runWrk(options, options.seconds);
  const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (line === undefined) throw new Error(`wrk printed no summary:\n${out}`);
  const r = JSON.parse(line.slice('WRK_JSON '.length)) as {
    requests: number; durationUs: number; connect: number; read: number; write: number; status: number; timeout: number; p50: number; p95: number; p99: number;
  };
  const elapsed = r.durationUs / 1e6;
  return {
    label,
    connections: options.connections ?? 50,
    seconds: elapsed,
    requestsPerSecond: r.requests / elapsed,
    okPerSecond: (r.requests - r.status) / elapsed,
    p50: r.p50 / 1000,
    p95: r.p95 / 1000,
    p99: r.p99 / 1000,
    non2xx: r.status,
    errors: r.connect + r.read + r.write + r.timeout,
    rounds: 1,
    ratio: null,
  };
}
