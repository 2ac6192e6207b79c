// HTTP adapters for Memos' ListUsers, GetUser, UpdateUser and DeleteUser. The route table decides who may call
// (list: admin; the rest: self or admin); field-level rules live in update-user.ts.
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { findCallerSessionId } from '../sessions/caller-session.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { requireTarget } from '../http/route-access.js';
import { clearSessionCookies } from '../http/cookies.js';
import { readSessionEvidence } from '../sessions/session-evidence.js';
import { parseInput } from '../http/validate.js';
import { deleteUser } from './delete-user.js';
import { listUsers, MAX_PAGE_SIZE } from './list-users.js';
import { updateUser } from './update-user.js';
import { parseOldPassword, parseUserUpdate } from './user-update-input.js';
import { toUserJson } from './user-json.js';
import { originOf, recordAudit } from '../audit/audit-log.js';

export const listQuery = z.object({
  pageSize: z.coerce.number().int().min(0).max(MAX_PAGE_SIZE).optional(),
  pageToken: z.string().max(64).optional(),
});

export function listUsersHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    const viewer = requirePrincipal(res).user;
    const page = await listUsers(deps, { ...(query.pageSize !== undefined ? { pageSize: query.pageSize } : {}), ...(query.pageToken ? { pageToken: query.pageToken } : {}) });
    res.json({ users: page.users.map((u) => toUserJson(u, viewer)), nextPageToken: page.nextPageToken, totalSize: page.totalSize });
  };
}

export function getUserHandler(): RequestHandler {
  return async (_req, res) => {
    res.json(toUserJson(requireTarget(res), requirePrincipal(res).user));
  };
}

export function patchUserHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const changes = parseUserUpdate(req.body, req.query);
    const oldPassword = parseOldPassword(req.body);
    const actor = {
      user: principal.user,
      via: principal.via,
      ...(oldPassword !== undefined ? { oldPassword } : {}),
      ...(req.ip !== undefined ? { ip: req.ip } : {}),
      findSessionId: () => findCallerSessionId(deps, principal, readSessionEvidence(req)),
    };
    const updated = await updateUser(deps, actor, requireTarget(res), changes);
    const event = changes.password !== undefined ? 'password.changed' : 'user.updated';
    const fields = Object.keys(changes).filter((k) => k !== 'password').join(',');
    await recordAudit(deps, event, originOf(req), { actorUserId: principal.user.id, subjectUserId: updated.id, subject: updated.username, detail: { fields } });
    res.json(toUserJson(updated, principal.user));
  };
}

/** Deleting oneself (interactively) also clears one's cookies, as Memos does. */
export function deleteUserHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const target = requireTarget(res);
    await deleteUser(deps, principal, target);
    await recordAudit(deps, 'user.deleted', originOf(req), { actorUserId: principal.user.id, subjectUserId: target.id, subject: target.username });
    if (target.id === principal.user.id) clearSessionCookies(res, req, deps.config);
    res.json({});
  };
}
