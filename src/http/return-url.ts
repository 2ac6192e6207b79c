// The one return-URL check, used by the sign-in page, the SSO flow and /auth/verify: relative paths on the
// gateway, or absolute http(s) URLs whose host is on GATEWAY_ALLOWED_REDIRECT_HOSTS. Everything else is
// refused, so the gateway is never an open redirect (RFC 9700 §4.11; security catalogue E).
import type { Config } from '../config.js';

const MAX_LENGTH = 2048;
// Control characters, backslashes and whitespace are how parsers are made to disagree about the host.
const FORBIDDEN = /[\u0000-\u0020\u007f-\u009f\\]/;

export function hostAllowed(config: Pick<Config, 'allowedRedirectHosts'>, host: string, hostname: string): boolean {
  const h = host.toLowerCase();
  const name = hostname.toLowerCase();
  return config.allowedRedirectHosts.some((entry) => {
    if (entry.startsWith('.')) return name === entry.slice(1) || name.endsWith(entry);
    return entry.includes(':') ? h === entry : name === entry;
  });
}

/**
 * Returns the URL to send the browser to, or null when `candidate` may not be followed. Relative paths come
 * back as they are; absolute URLs come back normalised by the WHATWG parser (what browsers will do).
 */
export function checkReturnUrl(config: Pick<Config, 'allowedRedirectHosts' | 'instanceOrigin'>, candidate: unknown): string | null {
  if (typeof candidate !== 'string' || candidate.length === 0 || candidate.length > MAX_LENGTH) return null;
  if (FORBIDDEN.test(candidate)) return null;
  if (candidate.startsWith('/')) {
    // `//host` and `/\host` are protocol-relative in browsers: another origin.
    if (candidate.startsWith('//')) return null;
    const resolved = new URL(candidate, config.instanceOrigin);
    return resolved.origin === config.instanceOrigin ? candidate : null;
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  if (url.protocol === 'http:' && config.instanceOrigin.startsWith('https:') && !isLoopback(url.hostname)) return null;
  if (url.origin === config.instanceOrigin) return url.toString();
  return hostAllowed(config, url.host, url.hostname) ? url.toString() : null;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
