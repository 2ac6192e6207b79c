// The browser binding of SSO flows: one random value per browser in a short-lived HttpOnly, SameSite=Lax
// cookie scoped to /auth; each flow record keeps only its SHA-256. Every tab's flow has its own record (keyed by
// state), and all of them share this one value, so parallel logins never overwrite each other the way one
// session object per browser would (express-session saves whole sessions; racing tabs lose records).
import type { Request, Response } from 'express';
import type { Config } from '../config.js';
import { randomToken, sha256Hex } from '../auth/secrets.js';
import { isSecureRequest, readCookie } from '../http/cookies.js';
import { FLOW_TTL_MS } from '../sso/flow-record.js';

export const FLOW_COOKIE = 'sso_flow';
const SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function readFlowBinding(req: Request): string | null {
  const value = readCookie(req, FLOW_COOKIE);
  return value !== null && SHAPE.test(value) ? value : null;
}

export interface FlowBinding {
  value: string;
  /** What the flow record stores. */
  hash: string;
}

/** This browser's binding value, or a new one; set it with setFlowBinding once the flow has started. */
export function flowBindingFor(req: Request): FlowBinding {
  const value = readFlowBinding(req) ?? randomToken();
  return { value, hash: sha256Hex(value) };
}

/** (Re)sets the cookie so it outlives the newest flow record. */
export function setFlowBinding(req: Request, res: Response, config: Config, binding: FlowBinding): void {
  res.cookie(FLOW_COOKIE, binding.value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecureRequest(req, config),
    path: '/auth',
    maxAge: FLOW_TTL_MS,
  });
}
