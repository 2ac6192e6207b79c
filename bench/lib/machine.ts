// What the numbers were measured on: CPU, cores, memory, Node, nginx, and how busy the machine was.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, release, type } from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  nginx: string | null;
  threadPool: number;
}

export function describeMachine(): Machine {
  let nginx: string | null = null;
  try {
    // `nginx -v` prints to stderr.
    nginx = execFileSync('sh', ['-c', 'nginx -v 2>&1'], { encoding: 'utf8' }).trim() || null;
  } catch {
    nginx = null;
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: totalmem() / 1024 ** 3,
    os: `${type()} ${release()}`,
    node: process.version,
    nginx,
    threadPool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
  };
}

/** 1-minute load average: other work on the machine skews every number. */
export function loadAverage(): number {
  return loadavg()[0] ?? Number.NaN;
}
