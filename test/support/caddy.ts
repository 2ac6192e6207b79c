// The shipped Caddy example (proxies/caddy/Caddyfile) run for real on loopback, for tests: plain HTTP on one free
// port serving the app site and the gateway site by Host, through the file's own environment placeholders
// (nothing in the file is rewritten). startCaddy() waits until Caddy accepts connections; stop() ends exactly the
// process it started. caddyRequest() sends one request with a given Host.
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from './nginx.js';
import { findExecutable, freePort, waitFor } from './services.js';

export const SHIPPED_CADDYFILE = join(REPO_ROOT, 'proxies', 'caddy', 'Caddyfile');
export const CADDY_APP_HOST = 'app.example.test';
export const CADDY_GATEWAY_HOST = 'auth.example.test';

export interface CaddyHandle {
  port: number;
  stop(): Promise<void>;
}

export interface CaddyResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function caddyRequest(port: number, host: string, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<CaddyResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { Host: `${host}:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function startCaddy(opts: { gatewayPort: number; appPort: number; port?: number }): Promise<CaddyHandle> {
  const caddy = findExecutable('caddy');
  if (caddy === undefined) throw new Error('caddy is not installed (Debian package caddy)');
  const port = opts.port ?? (await freePort());
  const child: ChildProcess = spawn(caddy, ['run', '--config', SHIPPED_CADDYFILE, '--adapter', 'caddyfile'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      XDG_DATA_HOME: '/tmp/sso-gw-caddy-data',
      XDG_CONFIG_HOME: '/tmp/sso-gw-caddy-config',
      CADDY_AUTO_HTTPS: 'off',
      APP_SITE: `http://${CADDY_APP_HOST}:${port}`,
      AUTH_SITE: `http://${CADDY_GATEWAY_HOST}:${port}`,
      GATEWAY_UPSTREAM: `127.0.0.1:${opts.gatewayPort}`,
      APP_UPSTREAM: `127.0.0.1:${opts.appPort}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await waitFor('caddy', async () => {
      if (child.exitCode !== null) throw new Error(`caddy exited: ${log}`);
      return caddyRequest(port, CADDY_GATEWAY_HOST, '/healthz').then(() => true, () => false);
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, stop };
}
