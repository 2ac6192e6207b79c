// Runs the gateway the way a user does (`npm start`: esbuild bundles dist/main.mjs, then node runs it) as a child
// process on a free loopback port, waits until /healthz answers, and stops it with SIGTERM (SIGKILL as a last
// resort).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep } from './services.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface GatewayProcess {
  baseUrl: string;
  port: number;
  child: ChildProcess;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `npm start` (or, with `direct`, node itself on src/main.ts through tsx's loader: no npm in between, as in
 * the image, where node runs dist/main.mjs, so signals reach the gateway itself) with a temp SQLite file unless
 * `env` names a database; resolves once healthy.
 */
export async function startGatewayProcess(
  env: Record<string, string> = {},
  timeoutMs = 30_000,
  options: { direct?: boolean; /** More node options (with `direct`), e.g. another --import. */ nodeArgs?: string[] } = {},
): Promise<GatewayProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gw-proc-'));
  const [command, args] = options.direct ? [process.execPath, ['--import', 'tsx', ...(options.nodeArgs ?? []), 'src/main.ts']] : ['npm', ['start', '--silent']];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_INSTANCE_URL: `http://127.0.0.1:${port}`,
      GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}`,
      GATEWAY_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) {
      // npm runs the build, then node: signal the whole group so nothing is left behind.
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 10_000);
      const code = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return code;
    }
    rmSync(dir, { recursive: true, force: true });
    return child.exitCode;
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) return { baseUrl, port, child, output: () => out, stop };
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  await stop('SIGKILL');
  throw new Error(`gateway did not become healthy in ${timeoutMs} ms:\n${out}`);
}
