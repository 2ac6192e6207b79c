// The `sso_device` cookie: the device token (auth/device-token.ts), set on each successful password sign-in,
// HttpOnly, SameSite=Lax, Secure like the session cookies, host-only, one year. Set twice, once per sign-in path
// (the API's and the sign-in page's form), so that only the two sign-in endpoints ever see it: never an app
// behind the proxy, never refresh or sign-out. It is no credential: alone it signs nobody in; it only spares its
// holder the per-account lock.
import type { Request, Response } from 'express';
import { issueDeviceToken } from '../auth/device-token.js';
import type { Deps } from '../deps.js';
import { isSecureRequest, readCookie } from './cookies.js';

export const DEVICE_COOKIE = 'sso_device';
export const DEVICE_COOKIE_PATHS = ['/api/v1/auth/signin', '/auth/signin'] as const;

export function readDeviceCookie(req: Request): string | null {
  return readCookie(req, DEVICE_COOKIE);
}

/** Gives this client a (fresh) device token for `userId`. */
export async function rememberDevice(deps: Pick<Deps, 'keys' | 'clock' | 'config'>, req: Request, res: Response, userId: number): Promise<void> {
  const { token, expiresAt } = await issueDeviceToken(deps.keys, userId, deps.clock.now());
  for (const path of DEVICE_COOKIE_PATHS) {
    res.cookie(DEVICE_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: isSecureRequest(req, deps.config), path, expires: expiresAt });
  }
}
