// The real stack for catalogue group H: the shipped nginx config (test/support/nginx.ts) over https on loopback,
// in front of a real gateway whose log lines are kept in memory, and a protected app that counts and echoes
// every request it receives (so a test can prove nginx never proxied one).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { forwardAuthEnv, writeRulesFile, type RulesFile } from './verify.js';
import { CookieJar } from './cookie-jar.js';
import { startTestGateway, type StorageMode, type Storage, type TestGateway } from './gateway.js';
import {
  APP_HOST,
  GATEWAY_HOST,
  nginxRequest,
  startNginx,
  type NginxHandle,
  type NginxRequest,
  type NginxResponse,
} from './nginx.js';
import { freePort } from './services.js';

export interface LoggingGateway extends TestGateway {
  /** Everything the gateway's logger wrote so far (pino: one JSON object per line). */
  logText(): string;
}

/** A gateway from startTestGateway, logging at `trace` into memory. */
export async function startLoggingGateway(
  mode: StorageMode,
  options: { env?: Record<string, string>; storage?: Storage } = {},
): Promise<LoggingGateway> {
  const chunks: string[] = [];
  const gw = await startTestGateway(mode, { ...options, logLevel: 'trace', logDestination: { write: (chunk: string) => void chunks.push(chunk) } });
  return { ...gw, logText: () => chunks.join('') };
}

export interface AppRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
}

export interface CountingApp {
  port: number;
  /** Every request the app received, in order. */
  seen: AppRequest[];
  stop(): Promise<void>;
}

/**
 * The protected app: 200 with the request it saw as JSON; `/missing...` is its own 404, `/moved` its own 302 and
 * `/crash` drops the connection (nginx: 502): statuses that come from the app, for header checks.
 */
export async function startCountingApp(): Promise<CountingApp> {
  const seen: AppRequest[] = [];
  const server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      const request: AppRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes };
      seen.push(request);
      if (request.url === '/crash') {
        req.socket.destroy();
        return;
      }
      if (request.url === '/moved') {
        res.writeHead(302, { Location: '/elsewhere', 'Content-Length': '0' });
        res.end();
        return;
      }
      const body = JSON.stringify(request);
      const status = request.url.startsWith('/missing') ? 404 : 200;
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Users may reach the app; `/admin` and `/api/admin` on it are for administrators only. */
export const GUARDED_RULES = {
  rules: [
    { host: APP_HOST, path: '/api/admin', allow: { roles: ['ADMIN'] } },
    { host: APP_HOST, path: '/admin', allow: { roles: ['ADMIN'] } },
  ],
};

export interface SignedInThroughNginx {
  jar: CookieJar;
  accessToken: string;
  /** The sign-in response as nginx returned it. */
  response: NginxResponse;
}

export interface Stack {
  gw: LoggingGateway;
  app: CountingApp;
  nginx: NginxHandle;
  /** GATEWAY_INSTANCE_URL: https://auth.example.test:<nginx https port>. */
  instanceUrl: string;
  /** The access-rules file the gateway was started with (GATEWAY_ACCESS_RULES_FILE). */
  rulesPath: string;
  send(opts: NginxRequest): Promise<NginxResponse>;
  toApp(path: string, headers?: Record<string, string>, method?: string, body?: string | Buffer): Promise<NginxResponse>;
  toGateway(path: string, headers?: Record<string, string>, method?: string, body?: string): Promise<NginxResponse>;
  /** POST /api/v1/auth/signin through nginx; asserts nothing about the answer. */
  signInRequest(username: string, password: string, headers?: Record<string, string>): Promise<NginxResponse>;
  stop(): Promise<void>;
}

export interface StackOptions {
  env?: Record<string, string>;
  rules?: unknown;
  rateLimits?: Parameters<typeof startNginx>[0]['rateLimits'];
}

/** Gateway (real, logging to memory) + counting app + the shipped nginx in front of both. */
export async function startStack(mode: StorageMode, options: StackOptions = {}): Promise<Stack> {
  const httpsPort = await freePort();
  const instanceUrl = `https://${GATEWAY_HOST}:${httpsPort}`;
  const rules: RulesFile = writeRulesFile(options.rules ?? GUARDED_RULES);
  const cleanups: Array<() => Promise<void>> = [async () => rules.remove()];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const gw = await startLoggingGateway(mode, {
      env: forwardAuthEnv(rules, { GATEWAY_INSTANCE_URL: instanceUrl, GATEWAY_BCRYPT_COST: '4', ...options.env }),
    });
    cleanups.push(() => gw.close());
    const gatewayPort = Number(new URL(await gw.listen()).port);
    const app = await startCountingApp();
    cleanups.push(() => app.stop());
    const nginx = await startNginx({
      gatewayPort,
      appPort: app.port,
      httpsPort,
      httpPort: await freePort(),
      statusPort: await freePort(),
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    });
    cleanups.push(() => nginx.stop());
    const send = (opts: NginxRequest) => nginxRequest(httpsPort, opts);
    const request = (host: string, path: string, headers: Record<string, string>, method: string, body?: string | Buffer) =>
      send({ host, path, method, headers, ...(body !== undefined ? { body } : {}) });
    return {
      gw,
      app,
      nginx,
      instanceUrl,
      rulesPath: rules.path,
      send,
      toApp: (path, headers = {}, method = 'GET', body) => request(APP_HOST, path, headers, method, body),
      toGateway: (path, headers = {}, method = 'GET', body) => request(GATEWAY_HOST, path, headers, method, body),
      signInRequest: (username, password, headers = {}) =>
        request(
          GATEWAY_HOST,
          '/api/v1/auth/signin',
          { 'Content-Type': 'application/json', ...headers },
          'POST',
          JSON.stringify({ passwordCredentials: { username, password } }),
        ),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Reads the cookies and access token of a successful sign-in response. */
export function signedInFrom(response: NginxResponse): SignedInThroughNginx {
  if (response.status !== 200) throw new Error(`sign-in through nginx: ${response.status} ${response.body}`);
  const jar = new CookieJar();
  jar.store(response.headers['set-cookie']);
  return { jar, accessToken: (JSON.parse(response.body) as { accessToken: string }).accessToken, response };
}

export interface RawAnswer {
  /** Status of the first response, or null when none came. */
  status: number | null;
  /** Everything received (latin1). */
  text: string;
}

/**
 * Writes `request` (latin1: every byte as given, which no HTTP client library would send) to 127.0.0.1:port,
 * over TLS with SNI `servername` or plain TCP when servername is null, and reads until the server closes the
 * connection (send `Connection: close`) or 5 s pass.
 */
export function rawExchange(port: number, servername: string | null, request: string): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket: Socket =
      servername === null
        ? connectTcp(port, '127.0.0.1')
        : connectTls({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : null, text });
    };
    const timer = setTimeout(done, 5000);
    socket.once(servername === null ? 'connect' : 'secureConnect', () => socket.write(Buffer.from(request, 'latin1')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('close', done);
    socket.on('error', () => undefined);
  });
}
