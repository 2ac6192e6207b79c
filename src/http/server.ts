// createGatewayServer(listener): the gateway's node:http server with its connection limits. Slow clients
// (slowloris headers, trickled bodies) are cut instead of holding sockets: node checks every
// `connectionsCheckingInterval` whether a request has outlived `headersTimeout` (headers) or `requestTimeout`
// (the whole request), so a slow-header connection ends about headersTimeout + one interval after it opened.
import { createServer, type RequestListener, type Server } from 'node:http';

export interface ServerTimeouts {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
  /** Longer than nginx's upstream keepalive_timeout (60 s), so nginx, not the gateway, closes idle connections. */
  keepAliveTimeout: number;
}

export const SERVER_TIMEOUTS: ServerTimeouts = Object.freeze({
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  connectionsCheckingInterval: 1_000,
  keepAliveTimeout: 65_000,
});

/** Tests shorten the timeouts (`overrides`) to watch them act in seconds. */
export function createGatewayServer(listener: RequestListener, overrides: Partial<ServerTimeouts> = {}): Server {
  const t = { ...SERVER_TIMEOUTS, ...overrides };
  const server = createServer(
    { headersTimeout: t.headersTimeout, requestTimeout: t.requestTimeout, connectionsCheckingInterval: t.connectionsCheckingInterval },
    listener,
  );
  server.keepAliveTimeout = t.keepAliveTimeout;
  return server;
}
