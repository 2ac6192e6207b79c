// Child processes for the benchmark: the gateway and the stand-in servers each run in their own process, so the
// load generator (this process) and the server under test never share an event loop. Only processes started
// here are stopped here, by their own pid.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { sleep } from '../../test/support/services.js';

export { sleep };

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Last lines of its output, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `command args`; with `group`, in its own process group (npm start forks node: stop them all). */
export function startChild(command: string, args: string[], options: SpawnOptions & { group?: boolean } = {}): Child {
  const { group = false, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: group, ...spawnOptions });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  return {
    process: child,
    pid,
    output: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const signal = (sig: NodeJS.Signals) => {
        try {
          if (group) process.kill(-pid, sig);
          else child.kill(sig);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        signal('SIGKILL');
        await exited;
      }
    },
  };
}

/** GET url → status (0 when nothing answers). */
export function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Polls until `url` answers 200; returns the milliseconds it took. */
export async function waitForOk(url: string, child: Child, timeoutMs = 30_000, everyMs = 10): Promise<number> {
  const started = performance.now();
  for (;;) {
    if ((await getStatus(url)) === 200) return performance.now() - started;
    if (child.process.exitCode !== null) throw new Error(`process exited before ${url} answered:\n${child.output()}`);
    if (performance.now() - started > timeoutMs) throw new Error(`${url} did not answer 200 in time:\n${child.output()}`);
    await sleep(everyMs);
  }
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return kb ? Number(kb[1]) / 1024 : Number.NaN;
}

/** CPU time (user + system) a process has used so far, in milliseconds (Linux /proc; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which is in parentheses and may hold spaces): utime is the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Samples a process's RSS while work runs; returns the work's result and the samples' range. */
export async function sampleRss<T>(pid: number, work: () => Promise<T>, everyMs = 250): Promise<{ result: T; startMb: number; endMb: number; maxMb: number }> {
  const startMb = rssMb(pid);
  let maxMb = startMb;
  const timer = setInterval(() => {
    maxMb = Math.max(maxMb, rssMb(pid));
  }, everyMs);
  try {
    const result = await work();
    const endMb = rssMb(pid);
    return { result, startMb, endMb, maxMb: Math.max(maxMb, endMb) };
  } finally {
    clearInterval(timer);
  }
}
