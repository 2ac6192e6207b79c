// `Authorization: Basic base64(username:secret)` (RFC 7617) for tools that speak only Basic auth (git over HTTPS,
// registries, WebDAV): the secret must be a personal access token of that username; a password is never accepted
// here (no bcrypt work, no password guessing through a header). Parsing only; the callers check the PAT.
import { PAT_PREFIX } from './authenticate.js';

export const BASIC_REALM = 'sso-gateway';
/** RFC 7617 §2: the challenge a client needs before it sends credentials. */
export const WWW_BASIC = `Basic realm="${BASIC_REALM}", charset="UTF-8"`;

const BASIC_SCHEME = /^basic(?:[ \t]|$)/i;
const BASIC = /^[Bb][Aa][Ss][Ii][Cc] +([A-Za-z0-9+/]+={0,2}) *$/;
const MAX_BASIC = 1024;

export type BasicParse = { kind: 'none' } | { kind: 'refused' } | { kind: 'pat'; username: string; token: string };

export function isBasicScheme(header: string | undefined): boolean {
  return header !== undefined && BASIC_SCHEME.test(header);
}

/**
 * `pat`: a username and a `memos_pat_…` secret; `refused`: Basic with anything else (a password, no colon, bad
 * base64); `none`: not the Basic scheme.
 */
export function parseBasic(header: string | undefined): BasicParse {
  if (!isBasicScheme(header)) return { kind: 'none' };
  if (header!.length > MAX_BASIC) return { kind: 'refused' };
  const match = BASIC.exec(header!);
  if (!match) return { kind: 'refused' };
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { kind: 'refused' };
  const username = decoded.slice(0, colon);
  const token = decoded.slice(colon + 1);
  if (!token.startsWith(PAT_PREFIX)) return { kind: 'refused' };
  return { kind: 'pat', username, token };
}
