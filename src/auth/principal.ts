// Who is calling: set by the bearer middleware on res.locals, read by guards and handlers.
import type { Response } from 'express';
import { unauthenticated } from '../errors.js';
import type { User } from '../users/user.js';

export interface Principal {
  user: User;
  /** How the caller proved it: an interactive sign-in's access token, or a personal access token. */
  via: 'access-token' | 'pat';
  patId?: string;
  /** The session of an access token (its `sid`), live when the request was authenticated. */
  session?: { id: string; createdAt: Date };
}

export function findPrincipal(res: Response): Principal | null {
  return (res.locals.principal as Principal | undefined) ?? null;
}

export function requirePrincipal(res: Response): Principal {
  const principal = findPrincipal(res);
  if (!principal) throw unauthenticated();
  return principal;
}
