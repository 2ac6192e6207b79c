// A stand-in for the gateway behind the shipped nginx config, for the cases about nginx itself (H77, H78, H80):
// its /auth/verify answers whatever the test asks for through the bearer token nginx passes on (`Bearer
// status-500`, `Bearer hang`, `Bearer reset`, ...), and it records every subrequest with the bytes of body it
// carried. Plus a helper that changes one directive of the rendered config and waits for nginx's reload.
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { NginxHandle } from './nginx.js';
import { sleep } from './services.js';

export interface VerifyCall {
  url: string;
  method: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
}

export interface StandInGateway {
  port: number;
  /** Every /auth/verify request received. */
  verifyCalls: VerifyCall[];
  /** Every other request received (the gateway host's own routes). */
  otherCalls: VerifyCall[];
  stop(): Promise<void>;
}

/** The identity a 2xx answer carries. */
export const STAND_IN_IDENTITY = { user: 'alice', userId: '7', role: 'USER', email: 'alice@example.test' };
export const STAND_IN_CHALLENGE = 'Bearer realm="stand-in", error="invalid_token"';

function answerVerify(mode: string, res: ServerResponse, socket: Socket, hanging: Set<ServerResponse>): void {
  const status = /^status-(\d{3})$/.exec(mode);
  if (mode === 'allow' || status) {
    const code = status ? Number(status[1]) : 200;
    const headers: Record<string, string> = { 'Content-Length': '0' };
    if (code >= 200 && code < 300) {
      Object.assign(headers, {
        'X-Auth-Request-User': STAND_IN_IDENTITY.user,
        'X-Auth-Request-User-Id': STAND_IN_IDENTITY.userId,
        'X-Auth-Request-Role': STAND_IN_IDENTITY.role,
        'X-Auth-Request-Email': STAND_IN_IDENTITY.email,
      });
    }
    if (code === 401) headers['WWW-Authenticate'] = STAND_IN_CHALLENGE;
    if (code >= 300 && code < 400) headers.Location = 'https://evil.example/';
    if (code === 429) headers['Retry-After'] = '1';
    res.writeHead(code, headers);
    res.end();
    return;
  }
  switch (mode) {
    case 'hang':
      hanging.add(res); // never answered; ended by stop()
      return;
    case 'reset':
      socket.resetAndDestroy();
      return;
    case 'garbage':
      socket.end('HTTP/1.1 2000 Fine\r\nX-Auth-Request-User: alice\r\n\r\n');
      return;
    default:
      res.writeHead(401, { 'WWW-Authenticate': STAND_IN_CHALLENGE, 'Content-Length': '0' });
      res.end();
  }
}

export async function startStandInGateway(): Promise<StandInGateway> {
  const verifyCalls: VerifyCall[] = [];
  const otherCalls: VerifyCall[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      const call: VerifyCall = { url: req.url ?? '', method: req.method ?? '', headers: req.headers, bodyBytes };
      if (call.url.startsWith('/auth/verify')) {
        verifyCalls.push(call);
        const mode = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        answerVerify(mode, res, req.socket, hanging);
        return;
      }
      otherCalls.push(call);
      if (call.url === '/crash') {
        req.socket.destroy();
        return;
      }
      const body = JSON.stringify({ url: call.url });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    verifyCalls,
    otherCalls,
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function workerPids(master: number): Promise<Set<number>> {
  const text = await readFile(`/proc/${master}/task/${master}/children`, 'utf8').catch(() => '');
  return new Set(text.trim().split(/\s+/).filter(Boolean).map(Number));
}

/**
 * Replaces `from` by `to` in one rendered config file (it must occur exactly once), reloads nginx and waits until
 * every worker has been replaced, so the next connection is served with the new value. Bounded (10 s).
 */
export async function reloadWithChange(nginx: NginxHandle, file: string, from: string, to: string): Promise<void> {
  const path = join(nginx.dir, file);
  const text = await readFile(path, 'utf8');
  if (text.split(from).length !== 2) throw new Error(`reloadWithChange: "${from}" must occur once in ${file}`);
  await writeFile(path, text.replace(from, to));
  const before = await workerPids(nginx.pid);
  await nginx.reload();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await workerPids(nginx.pid);
    const replaced = now.size > 0 && [...now].every((pid) => !before.has(pid));
    if (replaced) return;
    if (Date.now() > deadline) throw new Error(`nginx workers not replaced after reload (${[...before]} -> ${[...now]})`);
    await sleep(25);
  }
}
