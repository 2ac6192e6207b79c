// The request nginx is asking about, from `X-Original-URL` (nginx, Authelia's convention) or, failing that,
// `X-Forwarded-Proto` + `X-Forwarded-Host` + `X-Forwarded-Uri` (Traefik/Caddy forward auth). The caller decides
// whether the peer is trusted to send these at all; this module only parses, strictly, by hand: the WHATWG
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

/** `absent`: nothing (believable) was sent; `invalid`: something was sent that cannot be judged. */
export type TargetParse = { kind: 'absent' } | { kind: 'invalid' } | { kind: 'ok'; target: OriginalTarget };

export const ABSENT: TargetParse = Object.freeze({ kind: 'absent' });
export const INVALID: TargetParse = Object.freeze({ kind: 'invalid' });

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

/** Reads the target from request headers already known to come from a trusted proxy. */
export function parseTargetHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): TargetParse {
  const originalUrl = headers['x-original-url'];
  if (originalUrl !== undefined) {
    const url = single(originalUrl);
    const target = url === undefined ? null : parseOriginalUrl(url);
    return target ? { kind: 'ok', target } : INVALID;
  }
  const proto = headers['x-forwarded-proto'];
  const host = headers['x-forwarded-host'];
  const uri = headers['x-forwarded-uri'];
  if (host === undefined || uri === undefined) return ABSENT;
  const p = single(proto) ?? 'https';
  const h = single(host);
  const u = single(uri);
  if (!PROTO_SHAPE.test(p) || h === undefined || !HOST_SHAPE.test(h) || u === undefined || !u.startsWith('/')) return INVALID;
  const target = parseOriginalUrl(`${p}://${h}${u}`);
  return target ? { kind: 'ok', target } : INVALID;
}
