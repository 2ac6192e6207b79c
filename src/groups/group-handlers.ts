// HTTP adapters for a user's groups: GET (self or admin) and PATCH `{localGroups: [...]}` (admin: replaces the
// local groups; upstream ones come only from the providers). The change is an audit row naming what was added
// and removed.
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { permissionDenied } from '../errors.js';
import { requireTarget } from '../http/route-access.js';
import { parseInput } from '../http/validate.js';
import { MAX_GROUP_NAME_LENGTH, MAX_GROUPS_PER_SOURCE } from './group-name.js';
import { replaceLocalGroups, toUserGroupsJson } from './user-groups.js';

export const patchGroupsBody = z.strictObject({
  localGroups: z.array(z.string().max(MAX_GROUP_NAME_LENGTH)).max(MAX_GROUPS_PER_SOURCE),
});

export function getUserGroupsHandler(deps: Deps): RequestHandler {
  return async (_req, res) => {
    res.json(toUserGroupsJson(await deps.store.groups.listForUser(requireTarget(res).id)));
  };
}

const listed = (names: string[]) => names.join(',').slice(0, 1000);

export function patchUserGroupsHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    // The route resolves {user} for self or admin; only an admin gives groups (a person never grants their own).
    if (principal.user.role !== 'ADMIN') throw permissionDenied('only an admin can change groups');
    const target = requireTarget(res);
    const body = parseInput(patchGroupsBody, req.body);
    const change = await replaceLocalGroups(deps, target.id, body.localGroups);
    const added = change.after.filter((g) => !change.before.includes(g));
    const removed = change.before.filter((g) => !change.after.includes(g));
    await recordAudit(deps, 'user.groups_updated', originOf(req), {
      actorUserId: principal.user.id,
      subjectUserId: target.id,
      subject: target.username,
      detail: { added: listed(added), removed: listed(removed) },
    });
    res.json(toUserGroupsJson(change.groups));
  };
}
