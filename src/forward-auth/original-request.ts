// The request the proxy is asking about. Which headers describe it depends on the endpoint the proxy calls:
// nginx auth_request sets `X-Original-URL` (/auth/verify, falling back to X-Forwarded-*); Traefik/Caddy forward auth
// set `X-Forwarded-Proto/Host/Uri` and pass the client's other headers through (/auth/verify/forward-auth reads only
// those). The other kind, when also sent, must agree, else the target cannot be judged.
// The caller decides whether the peer is trusted at all; this module parses strictly, by hand: the WHATWG
// parser would quietly turn `\` into `/` and resolve `%2e%2e`, hiding exactly the tricks rules must refuse.
import { canonicalizePath } from './canonical-path.js';

export const MAX_ORIGINAL_URL_LENGTH = 8192;

export interface OriginalTarget {
  /** The URL as nginx sent it (a sign-in redirect goes back there). */
  url: string;
  /** Lower-cased host name without port (IPv6 keeps its brackets). */
  hostname: string;
  /** Explicit port, or the scheme's default. */
  port: number;
  /** Canonical path (canonical-path.ts), no query. */
  path: string;
}

/**
 * `absent`: nothing (believable) was sent; `invalid`: something was sent that cannot be judged; `conflict`: the
 * headers of the other proxy kind describe a different request (a client's copy passed through).
 */
export type TargetParse = { kind: 'absent' } | { kind: 'invalid' } | { kind: 'conflict' } | { kind: 'ok'; target: OriginalTarget };

export const ABSENT: TargetParse = Object.freeze({ kind: 'absent' });
export const INVALID: TargetParse = Object.freeze({ kind: 'invalid' });
export const CONFLICT: TargetParse = Object.freeze({ kind: 'conflict' });

/**
 * `auth-request`: X-Original-URL/-Method (nginx); `forward-auth`: X-Forwarded-Method/Proto/Host/Uri (Traefik, Caddy);
 * `ext-authz`: Envoy's HTTP service, the original path after the endpoint's path, the original Host and method.
 */
export type TargetSource = 'auth-request' | 'forward-auth' | 'ext-authz';

const URL_SHAPE = /^(https?):\/\/([^/?#]+)(\/[^?#]*)?(?:\?[^#]*)?$/i;
const HOST_SHAPE = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)(?::([0-9]{1,5}))?$/i;
const PROTO_SHAPE = /^https?$/i;

/** Parses an absolute http(s) URL; null when it is not one we can judge (userinfo, odd host, refused path…). */
export function parseOriginalUrl(value: string): OriginalTarget | null {
  if (value.length === 0 || value.length > MAX_ORIGINAL_URL_LENGTH) return null;
  const url = URL_SHAPE.exec(value);
  if (!url) return null;
  const scheme = url[1]!.toLowerCase();
  const host = HOST_SHAPE.exec(url[2]!);
  if (!host) return null;
  const port = host[2] === undefined ? (scheme === 'https' ? 443 : 80) : Number(host[2]);
  if (port < 1 || port > 65535) return null;
  const path = canonicalizePath(url[3] ?? '/');
  if (path === null) return null;
  return { url: value, hostname: host[1]!.toLowerCase(), port, path };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** What one kind of headers says about the request; a field left out was not sent. */
interface Description {
  scheme?: string;
  hostname?: string;
  port?: number;
  /** Path and query exactly as sent. */
  uri?: string;
  method?: string;
}

type Described = { kind: 'absent' } | { kind: 'invalid' } | { kind: 'ok'; target: OriginalTarget; says: Description };

const NOT_SENT: Described = Object.freeze({ kind: 'absent' });
const UNREADABLE: Described = Object.freeze({ kind: 'invalid' });

function fromOriginalUrl(headers: Headers): Described {
  const originalUrl = headers['x-original-url'];
  const method = single(headers['x-original-method']);
  if (originalUrl === undefined) return NOT_SENT;
  const url = single(originalUrl);
  const target = url === undefined ? null : parseOriginalUrl(url);
  if (target === null) return UNREADABLE;
  const afterScheme = target.url.indexOf('//') + 2;
  const slash = target.url.slice(afterScheme).search(/[/?]/);
  const rest = slash === -1 ? '' : target.url.slice(afterScheme + slash);
  const says: Description = {
    scheme: target.url.slice(0, afterScheme - 3).toLowerCase(),
    hostname: target.hostname,
    port: target.port,
    uri: rest.startsWith('/') ? rest : `/${rest}`,
  };
  if (method !== undefined) says.method = method;
  return { kind: 'ok', target, says };
}

/** X-Forwarded-*: only the primary (`withTarget`) needs the canonical path; as the other kind, the shapes do. */
function fromForwardedParts(headers: Headers, withTarget: boolean): Described | { kind: 'ok'; target: null; says: Description } {
  const proto = headers['x-forwarded-proto'];
  const host = headers['x-forwarded-host'];
  const uri = headers['x-forwarded-uri'];
  const method = single(headers['x-forwarded-method']);
  if (host === undefined || uri === undefined) return NOT_SENT;
  const p = single(proto) ?? 'https';
  const h = single(host);
  const u = single(uri);
  const hostParts = h === undefined ? null : HOST_SHAPE.exec(h);
  if (!PROTO_SHAPE.test(p) || hostParts === null || u === undefined || !u.startsWith('/')) return UNREADABLE;
  const target = withTarget ? parseOriginalUrl(`${p}://${h}${u}`) : null;
  if (withTarget && target === null) return UNREADABLE;
  const says: Description = { hostname: hostParts[1]!.toLowerCase(), uri: u };
  if (proto !== undefined) says.scheme = p.toLowerCase();
  if (hostParts[2] !== undefined) says.port = Number(hostParts[2]);
  if (method !== undefined) says.method = method;
  return { kind: 'ok', target, says };
}

/** Every field both kinds sent must be the same. */
function agree(a: Description, b: Description): boolean {
  return (
    (a.scheme === undefined || b.scheme === undefined || a.scheme === b.scheme) &&
    (a.hostname === undefined || b.hostname === undefined || a.hostname === b.hostname) &&
    (a.port === undefined || b.port === undefined || a.port === b.port) &&
    (a.uri === undefined || b.uri === undefined || a.uri === b.uri) &&
    (a.method === undefined || b.method === undefined || a.method === b.method)
  );
}

/**
 * Reads the target from request headers already known to come from a trusted proxy, from the headers of
 * `source` only. Headers of the other kind that are also present must describe the same request (an
 * unreadable or different one is a `conflict`): a proxy that passes client headers through cannot be fooled.
 */
export function parseTargetHeaders(headers: Headers, source: TargetSource = 'auth-request'): TargetParse {
  let primary = source === 'auth-request' ? fromOriginalUrl(headers) : fromForwardedParts(headers, true);
  // /auth/verify without X-Original-URL keeps reading X-Forwarded-* (existing Traefik/Caddy set-ups).
  if (primary.kind === 'absent' && source === 'auth-request') primary = fromForwardedParts(headers, true);
  if (primary.kind !== 'ok' || primary.target === null) return primary.kind === 'absent' ? ABSENT : INVALID;
  const other = source === 'auth-request' ? fromForwardedParts(headers, false) : fromOriginalUrl(headers);
  if (other.kind === 'invalid' || (other.kind === 'ok' && !agree(primary.says, other.says))) return CONFLICT;
  // A lone method header of the other kind (X-Forwarded-Method without Host/Uri) must agree as well.
  const method = single(headers[source === 'auth-request' ? 'x-forwarded-method' : 'x-original-method']);
  if (other.kind === 'absent' && method !== undefined && primary.says.method !== undefined && method !== primary.says.method) return CONFLICT;
  return { kind: 'ok', target: primary.target };
}

/**
 * Envoy ext_authz (HTTP service): `path` is what followed the configured prefix (the original path and query),
 * `Host` the original authority, X-Forwarded-Proto the scheme (Envoy sets it). The nginx or Traefik headers beside it
 * mean a client's copy was let through (allowed_headers too wide): a conflict, never judged.
 */
export function parseExtAuthzTarget(headers: Headers, path: string): TargetParse {
  if (headers['x-original-url'] !== undefined || headers['x-forwarded-uri'] !== undefined) return CONFLICT;
  const host = single(headers.host);
  const proto = single(headers['x-forwarded-proto']) ?? 'https';
  if (host === undefined) return ABSENT;
  if (!PROTO_SHAPE.test(proto) || !HOST_SHAPE.test(host) || !path.startsWith('/')) return INVALID;
  const target = parseOriginalUrl(`${proto.toLowerCase()}://${host}${path}`);
  return target === null ? INVALID : { kind: 'ok', target };
}
