// Starts the relying party of rp-process-main.ts as a child process (node with tsx's loader) on loopback, waits
// for it to say it is ready, and stops it with SIGTERM (SIGKILL as a last resort).
import { spawn } from 'node:child_process';
import type { RpResult } from './oidc-op.js';
import { ROOT } from './process-gateway.js';
import { freePort } from './services.js';

export interface RpProcess {
  url: string;
  pid: number;
  results(): Promise<{ results: RpResult[]; errors: string[]; pid: number }>;
  output(): string;
  stop(): Promise<void>;
}

export async function startRpProcess(options: { issuer: string; clientId: string; clientSecret: string; port: number }, timeoutMs = 30_000): Promise<RpProcess> {
  const controlPort = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/rp-process-main.ts'], {
    cwd: ROOT,
    env: { ...process.env, RP_ISSUER: options.issuer, RP_CLIENT_ID: options.clientId, RP_CLIENT_SECRET: options.clientSecret, RP_PORT: String(options.port), RP_CONTROL_PORT: String(controlPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('rp ready')) {
    if (child.exitCode !== null) throw new Error(`relying party exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`relying party not ready in ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${options.port}`,
    pid: child.pid!,
    async results() {
      const res = await fetch(`http://127.0.0.1:${controlPort}/results`);
      return (await res.json()) as { results: RpResult[]; errors: string[]; pid: number };
    },
    output: () => out,
    stop,
  };
}
