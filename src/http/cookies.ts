// The gateway's two cookies. `memos_refresh` (the refresh JWT) is scoped to /api/v1/auth so only refresh and
// sign-out see it; `sso_session` (an opaque 256-bit value) is what /auth/verify and the gateway's pages accept.
// Both HttpOnly, SameSite=Lax, Secure when the request came over https through a trusted proxy or the instance
// URL is https: never because of a header from an untrusted peer.
import { parse } from 'cookie';
import type { CookieOptions, Request, Response } from 'express';
import type { Config } from '../config.js';

export const REFRESH_COOKIE = 'memos_refresh';
export const SSO_COOKIE = 'sso_session';
export const REFRESH_COOKIE_PATH = '/api/v1/auth';
const MAX_COOKIE_VALUE = 4096;

export function readCookie(req: Request, name: string): string | null {
  const header = req.headers.cookie;
  if (!header || header.length > 16384) return null;
  const value = parse(header)[name];
  if (!value || value.length > MAX_COOKIE_VALUE) return null;
  return value;
}

export function isSecureRequest(req: Request, config: Config): boolean {
  // req.secure honours X-Forwarded-Proto only when the peer is a trusted proxy (Express `trust proxy`).
  return config.forceSecureCookies || config.instanceOrigin.startsWith('https:') || req.secure;
}

function baseOptions(req: Request, config: Config): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: isSecureRequest(req, config) };
}

function refreshOptions(req: Request, config: Config): CookieOptions {
  return { ...baseOptions(req, config), path: REFRESH_COOKIE_PATH };
}

function ssoOptions(req: Request, config: Config): CookieOptions {
  return { ...baseOptions(req, config), path: '/', ...(config.cookieDomain ? { domain: config.cookieDomain } : {}) };
}

export function setRefreshCookie(res: Response, req: Request, config: Config, token: string, expiresAt: Date): void {
  res.cookie(REFRESH_COOKIE, token, { ...refreshOptions(req, config), expires: expiresAt });
}

export function setSsoCookie(res: Response, req: Request, config: Config, token: string, expiresAt: Date): void {
  res.cookie(SSO_COOKIE, token, { ...ssoOptions(req, config), expires: expiresAt });
}

/** Clears both cookies with the same Path/Domain they were set with (`Max-Age=0`). */
export function clearSessionCookies(res: Response, req: Request, config: Config): void {
  res.cookie(REFRESH_COOKIE, '', { ...refreshOptions(req, config), maxAge: 0 });
  res.cookie(SSO_COOKIE, '', { ...ssoOptions(req, config), maxAge: 0 });
}
