// GET (any method) /auth/verify (nginx auth_request: X-Original-URL) and /auth/verify/forward-auth (Traefik,
// Caddy: X-Forwarded-*) as a plain node:http handler: 200 + identity headers, 401 (+ Location for browsers,
// WWW-Authenticate always), 403 when a rule denies, 400 for two Authorization headers, 403 also for target headers
// that disagree, 5xx on any error; never 2xx unless a credential was checked and a rule allowed it, or a `public`
// rule covers the target (200 without identity headers). Every answer has
// an explicit empty body (`Content-Length: 0`: nginx reads a subrequest's body, and a chunked empty one halves
// its throughput), and an `X-Request-Id` (a trusted proxy's own, else a new one: http/request-id.ts). Target
// headers are read only when the peer is a trusted proxy (GATEWAY_TRUSTED_PROXIES). app.ts's request listener
// sends both paths here ahead of Express; other spellings reach the same handler through the route table.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestHandler } from 'express';
import type { Deps } from '../deps.js';
import { toAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ForwardAuth, VerifyDecision, VerifyInput } from './forward-auth.js';
import { PUBLIC_ALLOW_HEADERS } from './identity.js';
import { ABSENT, parseExtAuthzTarget, parseTargetHeaders, type TargetParse, type TargetSource } from './original-request.js';
import { WWW_BASIC } from '../auth/basic-credentials.js';
import { hasRepeatedAuthorization } from '../http/repeated-header.js';
import { requestIdFor } from '../http/request-id.js';

/** nginx auth_request: the target is X-Original-URL. */
export const VERIFY_PATH = '/auth/verify';
/** Traefik / Caddy forward auth: the target is X-Forwarded-Proto/Host/Uri (they pass client headers through). */
export const FORWARD_AUTH_PATH = '/auth/verify/forward-auth';
/** Envoy ext_authz (HTTP service, `path_prefix: /auth/verify/envoy`): the original path follows this one. */
export const EXT_AUTHZ_PATH = '/auth/verify/envoy';

/** Express' compiled `trust proxy` function: is the address at hop `i` (0 = the peer) a trusted proxy? */
export type TrustProxy = (address: string, i: number) => boolean;

const HTML = /text\/html/i;
const NO_STORE_EMPTY: readonly string[] = ['Cache-Control', 'no-store', 'Content-Length', '0'];
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

const VERIFY_QUERY = `${VERIFY_PATH}?`;
const FORWARD_AUTH_QUERY = `${FORWARD_AUTH_PATH}?`;
const EXT_AUTHZ_REST = `${EXT_AUTHZ_PATH}/`;

/** The original path and query of an ext_authz request: what follows the prefix ('/' when nothing does). */
function extAuthzPath(url: string | undefined): string {
  const rest = (url ?? '').slice(EXT_AUTHZ_PATH.length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

function targetOf(req: IncomingMessage, source: TargetSource): TargetParse {
  return source === 'ext-authz' ? parseExtAuthzTarget(req.headers, extAuthzPath(req.url)) : parseTargetHeaders(req.headers, source);
}

/** The client: a trusted proxy's X-Real-IP, else the last X-Forwarded-For hop it appended; else the peer itself. */
function clientIpOf(req: IncomingMessage, trusted: boolean): string | undefined {
  if (trusted) {
    const real = req.headers['x-real-ip'];
    if (typeof real === 'string' && real.length > 0) return real.trim();
    const forwarded = req.headers['x-forwarded-for'];
    if (typeof forwarded === 'string' && forwarded.length > 0) return forwarded.slice(forwarded.lastIndexOf(',') + 1).trim();
  }
  return req.socket.remoteAddress;
}

/** Which verify endpoint a request URL names exactly (as nginx and Traefik send it), or null for anything else. */
export function verifySourceOf(url: string | undefined): TargetSource | null {
  if (url === undefined || !url.startsWith(VERIFY_PATH)) return null;
  if (url === VERIFY_PATH || url.startsWith(VERIFY_QUERY)) return 'auth-request';
  if (url === FORWARD_AUTH_PATH || url.startsWith(FORWARD_AUTH_QUERY)) return 'forward-auth';
  if (url === EXT_AUTHZ_PATH || url.startsWith(EXT_AUTHZ_REST)) return 'ext-authz';
  return null;
}

export function readVerifyInput(req: IncomingMessage, trusted: boolean, source: TargetSource = 'auth-request'): VerifyInput {
  const headers = req.headers;
  const accept = headers.accept;
  const requestedWith = headers['x-requested-with'];
  return {
    authorization: headers.authorization,
    cookie: headers.cookie,
    wantsHtml:
      accept !== undefined && HTML.test(accept) && (typeof requestedWith !== 'string' || requestedWith.toLowerCase() !== 'xmlhttprequest'),
    target: trusted ? targetOf(req, source) : ABSENT,
    clientIp: clientIpOf(req, trusted),
  };
}

/**
 * nginx turns the 401 into a redirect itself (error_page); Traefik, Caddy and Envoy copy a denial to the client as
 * it is, so on their endpoints a browser navigation gets the 302 to the sign-in page from here.
 */
function answer(res: ServerResponse, decision: VerifyDecision, requestId: string, source: TargetSource): void {
  switch (decision.kind) {
    case 'allow':
      res.writeHead(200, decision.identity.allowHeaders.concat('X-Request-Id', requestId, ...(decision.assertion ?? [])));
      break;
    case 'public':
      res.writeHead(200, PUBLIC_ALLOW_HEADERS.concat('X-Request-Id', requestId));
      break;
    case 'unauthenticated': {
      if (decision.signInUrl !== null && source !== 'auth-request') {
        res.writeHead(302, ['Location', decision.signInUrl, ...NO_STORE_EMPTY, 'X-Request-Id', requestId]);
        break;
      }
      const challenge = decision.basic === true ? WWW_BASIC : decision.invalidBearer ? WWW_INVALID : WWW_BEARER;
      const headers = ['WWW-Authenticate', challenge, ...NO_STORE_EMPTY, 'X-Request-Id', requestId];
      if (decision.signInUrl !== null) headers.push('Location', decision.signInUrl);
      res.writeHead(401, headers);
      break;
    }
    case 'forbidden':
      res.writeHead(403, NO_STORE_EMPTY.concat('X-Request-Id', requestId));
      break;
    case 'bad-request':
      res.writeHead(400, NO_STORE_EMPTY.concat('X-Request-Id', requestId));
      break;
  }
  res.end();
}

function fail(res: ServerResponse, logger: Logger, err: unknown, requestId: string): void {
  const appError = toAppError(err);
  // Whatever went wrong, nginx must see a denial: 2xx/3xx are never produced here.
  const status = appError.status >= 400 ? appError.status : 500;
  if (status >= 500) logger.error({ err: appError.cause ?? appError, event: 'verify_failed', reqId: requestId }, 'forward auth failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, NO_STORE_EMPTY.concat('X-Request-Id', requestId));
  res.end();
}

/**
 * Answers one verify request on node's own req/res (no Express needed). `requestId`: the id Express already gave
 * the request (route-table path); else the trusted proxy's or a new one.
 */
export function serveVerify(
  forwardAuth: ForwardAuth,
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  trust: TrustProxy,
  source: TargetSource = 'auth-request',
  requestId?: string,
): void {
  const trusted = isTrustedPeer(req.socket, trust);
  const id = requestId ?? requestIdFor(req.headers['x-request-id'], trusted);
  if (req.headers.authorization !== undefined && hasRepeatedAuthorization(req.rawHeaders)) {
    forwardAuth.countBadRequest();
    answer(res, { kind: 'bad-request', reason: 'invalid-bearer' }, id, source);
    return;
  }
  let input: VerifyInput;
  try {
    input = readVerifyInput(req, trusted, source);
    // A fresh cache entry answers in this tick: no promise, no closure, no microtask hop (a signed-in user's
    // every request); anything else takes the full decision below.
    const quick = forwardAuth.decideCached(input);
    if (quick !== null) {
      respond(res, logger, quick, id, source);
      return;
    }
  } catch (err) {
    fail(res, logger, err, id);
    return;
  }
  const onError = (err: unknown) => fail(res, logger, err, id);
  try {
    forwardAuth.decide(input).then((decision) => {
      try {
        respond(res, logger, decision, id, source);
      } catch (err) {
        onError(err);
      }
    }, onError);
  } catch (err) {
    onError(err);
  }
}

function respond(res: ServerResponse, logger: Logger, decision: VerifyDecision, id: string, source: TargetSource): void {
  if (decision.kind !== 'allow' && decision.kind !== 'public' && logger.isLevelEnabled('debug')) {
    logger.debug({ event: 'verify_denied', outcome: decision.kind, reason: decision.reason, reqId: id }, 'forward auth denied');
  }
  answer(res, decision, id, source);
}

/** The route-table handler (Express path: reached for spellings the request listener leaves to Express). */
export function verifyRoute(deps: Deps, source: TargetSource = 'auth-request'): RequestHandler {
  return (req, res) => {
    serveVerify(deps.forwardAuth, deps.logger, req, res, req.app.get('trust proxy fn') as TrustProxy, source, String(req.id));
  };
}
