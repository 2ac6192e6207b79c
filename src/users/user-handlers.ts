// HTTP adapters for user creation (Memos CreateUser: the body is the User object).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { findPrincipal } from '../auth/principal.js';
import { parseInput } from '../http/validate.js';
import { createUser } from './create-user.js';
import { toUserJson } from './user-json.js';
import { usernameSchema } from './username.js';

export const createUserSchema = z.object({
  username: usernameSchema,
  password: z.string().max(1024),
  email: z.union([z.email().max(256), z.literal('')]).default(''),
  displayName: z.string().max(256).default(''),
  role: z.enum(['ADMIN', 'USER', 'ROLE_UNSPECIFIED']).optional(),
});

export const createUserQuery = z.object({
  userId: z.string().max(64).optional(),
  validateOnly: z.enum(['true', 'false']).optional(),
});

export function createUserHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const body = parseInput(createUserSchema, req.body);
    const query = parseInput(createUserQuery, req.query, 'query');
    if (query.userId !== undefined && query.userId !== body.username) {
      throw invalidArgument('user_id must match user.username');
    }
    const caller = findPrincipal(res)?.user ?? null;
    const role = body.role === 'ADMIN' || body.role === 'USER' ? body.role : undefined;
    const user = await createUser(
      deps,
      caller,
      { username: body.username, password: body.password, email: body.email, displayName: body.displayName, ...(role ? { role } : {}) },
      { validateOnly: query.validateOnly === 'true' },
    );
    if (query.validateOnly !== 'true') {
      await recordAudit(deps, 'user.created', originOf(req), { actorUserId: caller?.id ?? null, subjectUserId: user.id, subject: user.username, detail: { role: user.role } });
    }
    res.json(toUserJson(user, caller ?? user));
  };
}
