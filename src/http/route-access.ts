// Access levels for the route table (ACCESS_DESCRIPTIONS says who passes each). Every route names exactly one;
// the guard for it runs before the handler. The OpenAPI document states the same descriptions.
import type { Request, RequestHandler, Response } from 'express';
import type { Deps } from '../deps.js';
import { invalidArgument, notFound, permissionDenied } from '../errors.js';
import { requirePrincipal } from '../auth/principal.js';
import type { User } from '../users/user.js';

export const ACCESS_LEVELS = ['public', 'signed-in', 'self', 'self-interactive', 'self-or-admin', 'admin'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

export const ACCESS_DESCRIPTIONS: Readonly<Record<Access, string>> = {
  public: 'anyone (a bearer token, when sent, must still be valid)',
  'signed-in': 'any signed-in caller (access token or personal access token)',
  self: 'the user named by {user} (access token or personal access token)',
  'self-interactive': 'the user named by {user}, signed in interactively (not a personal access token): creating PATs',
  'self-or-admin': 'the user named by {user}, or an admin',
  admin: 'an admin (role read from the database)',
};

const USERNAME_OR_ID = /^(me|[0-9]{1,15}|[A-Za-z0-9][A-Za-z0-9-]{0,34}[A-Za-z0-9]|[A-Za-z0-9])$/;

/** The user a `{user}` path segment names: `me`, a numeric id, or a username. */
export function requireTarget(res: Response): User {
  const target = res.locals.target as User | undefined;
  if (!target) throw new Error('route has no resolved :user target');
  return target;
}

async function resolveTarget(deps: Deps, ref: string, self: User): Promise<User | null> {
  if (ref === 'me' || ref === String(self.id) || ref === self.username) return self;
  if (/^[0-9]+$/.test(ref)) return deps.store.users.findById(Number(ref));
  return deps.store.users.findByUsername(ref);
}

export function guard(deps: Deps, access: Access): RequestHandler {
  return async (req, res, next) => {
    if (access === 'public') return next();
    const principal = requirePrincipal(res);
    if (access === 'signed-in') return next();
    if (access === 'self-interactive' && principal.via !== 'access-token') {
      throw permissionDenied('this action needs an interactive sign-in, not a personal access token');
    }
    const isAdmin = principal.user.role === 'ADMIN';
    if (access === 'admin') {
      if (!isAdmin) throw permissionDenied();
      return next();
    }
    const ref = String(req.params.user ?? '');
    // Never echo the segment: a secret pasted into a URL by mistake must not come back in the answer.
    if (!USERNAME_OR_ID.test(ref)) throw invalidArgument('invalid user name in the path');
    const isSelfRef = ref === 'me' || ref === String(principal.user.id) || ref === principal.user.username;
    // Without admin rights another user's existence is not revealed: 403 whether or not they exist.
    if (!isSelfRef && !(access === 'self-or-admin' && isAdmin)) throw permissionDenied();
    const target = await resolveTarget(deps, ref, principal.user);
    if (!target) throw notFound('user not found');
    res.locals.target = target;
    next();
  };
}

/**
 * For admin routes about another user (the admin guard resolves no target): the user `{user}` names, by id or
 * username, or 404. `me` is the caller.
 */
export async function requireUserParam(deps: Deps, req: Request, self: User): Promise<User> {
  const ref = String(req.params.user ?? '');
  if (!USERNAME_OR_ID.test(ref)) throw invalidArgument('invalid user name in the path');
  const target = await resolveTarget(deps, ref, self);
  if (!target) throw notFound('user not found');
  return target;
}
