// GET (any method) /auth/verify (nginx auth_request: X-Original-URL) and /auth/verify/forward-auth (Traefik,
// Caddy: X-Forwarded-*) as a plain node:http handler: 200 + identity headers, 401 (+ Location for browsers,
// WWW-Authenticate always), 403 when a rule denies, 400 for two Authorization headers, 403 also for target headers
// that disagree, 5xx on any error; never 2xx unless a credential was checked and a rule allowed it. Every answer has
// an explicit empty body (`Content-Length: 0`: nginx reads a subrequest's body, and a chunked empty one halves
// its throughput). Target headers are read only when the peer is a trusted proxy (GATEWAY_TRUSTED_PROXIES).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Express, RequestHandler } from 'express';
import type { Deps } from '../deps.js';
import { toAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { getForwardAuth, type ForwardAuth, type VerifyDecision, type VerifyInput } from './forward-auth.js';
import { ABSENT, parseTargetHeaders, type TargetSource } from './original-request.js';
import { hasRepeatedAuthorization } from '../http/repeated-header.js';

/** nginx auth_request: the target is X-Original-URL. */
export const VERIFY_PATH = '/auth/verify';
/** Traefik / Caddy forward auth: the target is X-Forwarded-Proto/Host/Uri (they pass client headers through). */
export const FORWARD_AUTH_PATH = '/auth/verify/forward-auth';

/** Express' compiled `trust proxy` function: is the address at hop `i` (0 = the peer) a trusted proxy? */
export type TrustProxy = (address: string, i: number) => boolean;

const HTML = /text\/html/i;
const NO_STORE_EMPTY = ['Cache-Control', 'no-store', 'Content-Length', '0'] as const;
const FORBIDDEN_HEADERS: readonly string[] = NO_STORE_EMPTY;
const WWW_BEARER = 'Bearer realm="sso-gateway"';
const WWW_INVALID = 'Bearer realm="sso-gateway", error="invalid_token"';

/** Whether the peer of a connection is a trusted proxy, decided once per (keep-alive) connection. */
const trustedPeers = new WeakMap<Socket, boolean>();

function isTrustedPeer(socket: Socket, trust: TrustProxy): boolean {
  let trusted = trustedPeers.get(socket);
  if (trusted === undefined) {
    const peer = socket.remoteAddress;
    trusted = peer !== undefined && trust(peer, 0);
    trustedPeers.set(socket, trusted);
  }
  return trusted;
}

export function readVerifyInput(req: IncomingMessage, trust: TrustProxy, source: TargetSource = 'auth-request'): VerifyInput {
  const headers = req.headers;
  const trusted = isTrustedPeer(req.socket, trust);
  const accept = headers.accept;
  const requestedWith = headers['x-requested-with'];
  return {
    authorization: headers.authorization,
    cookie: headers.cookie,
    wantsHtml:
      accept !== undefined && HTML.test(accept) && (typeof requestedWith !== 'string' || requestedWith.toLowerCase() !== 'xmlhttprequest'),
    target: trusted ? parseTargetHeaders(headers, source) : ABSENT,
  };
}

function answer(res: ServerResponse, decision: VerifyDecision): void {
  switch (decision.kind) {
    case 'allow':
      res.writeHead(200, decision.identity.allowHeaders as string[]);
      break;
    case 'unauthenticated': {
      const headers = ['WWW-Authenticate', decision.invalidBearer ? WWW_INVALID : WWW_BEARER, ...NO_STORE_EMPTY];
      if (decision.signInUrl !== null) headers.push('Location', decision.signInUrl);
      res.writeHead(401, headers);
      break;
    }
    case 'forbidden':
      res.writeHead(403, FORBIDDEN_HEADERS as string[]);
      break;
    case 'bad-request':
      res.writeHead(400, NO_STORE_EMPTY as unknown as string[]);
      break;
  }
  res.end();
}

function fail(res: ServerResponse, logger: Logger, err: unknown): void {
  const appError = toAppError(err);
  // Whatever went wrong, nginx must see a denial: 2xx/3xx are never produced here.
  const status = appError.status >= 400 ? appError.status : 500;
  if (status >= 500) logger.error({ err: appError.cause ?? appError, event: 'verify_failed' }, 'forward auth failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, NO_STORE_EMPTY as unknown as string[]);
  res.end();
}

/** Answers one verify request on node's own req/res (no Express needed). */
export function serveVerify(
  forwardAuth: ForwardAuth,
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  trust: TrustProxy,
  source: TargetSource = 'auth-request',
): void {
  const onError = (err: unknown) => fail(res, logger, err);
  if (req.headers.authorization !== undefined && hasRepeatedAuthorization(req.rawHeaders)) {
    forwardAuth.countBadRequest();
    answer(res, { kind: 'bad-request', reason: 'invalid-bearer' });
    return;
  }
  try {
    forwardAuth
      .decide(readVerifyInput(req, trust, source))
      .then((decision) => {
        if (decision.kind !== 'allow' && logger.isLevelEnabled('debug')) {
          logger.debug({ event: 'verify_denied', outcome: decision.kind, reason: decision.reason }, 'forward auth denied');
        }
        try {
          answer(res, decision);
        } catch (err) {
          onError(err);
        }
      }, onError);
  } catch (err) {
    onError(err);
  }
}

/** The route-table handler (Express path: reached for spellings the fast path leaves to Express). */
export function verifyRoute(deps: Deps, source: TargetSource = 'auth-request'): RequestHandler {
  return (req, res) => {
    serveVerify(getForwardAuth(deps), deps.logger, req, res, req.app.get('trust proxy fn') as TrustProxy, source);
  };
}

type Handle = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

/**
 * Serves /auth/verify ahead of the whole Express stack (request logging, helmet, body parsing, router): the
 * app's entry point `app.handle` is wrapped so that this one hot path costs what a bare node:http handler costs.
 * Every other request, and other spellings of the path, go through Express and the route table as before.
 */
export function serveVerifyAhead(app: Express, deps: Deps): void {
  const forwardAuth = getForwardAuth(deps);
  const trust = app.get('trust proxy fn') as TrustProxy;
  const logger = deps.logger;
  const entry = app as unknown as { handle: Handle };
  const expressHandle = entry.handle;
  const query = `${VERIFY_PATH}?`;
  const forwardQuery = `${FORWARD_AUTH_PATH}?`;
  entry.handle = function handle(this: unknown, req, res, next) {
    const url = req.url;
    if (url !== undefined && url.startsWith(VERIFY_PATH)) {
      if (url === VERIFY_PATH || url.startsWith(query)) {
        serveVerify(forwardAuth, logger, req, res, trust);
        return;
      }
      if (url === FORWARD_AUTH_PATH || url.startsWith(forwardQuery)) {
        serveVerify(forwardAuth, logger, req, res, trust, 'forward-auth');
        return;
      }
    }
    expressHandle.call(this, req, res, next);
  };
}
