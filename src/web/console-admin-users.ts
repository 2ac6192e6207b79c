// /admin/users (admins; the route table's `admin` guard): search, paginate, create, change role, archive or
// restore, delete, reset second factors, see and revoke a user's sessions. Each form calls the domain function
// the matching API route calls (users/, sessions/, mfa/) and answers with a redirect (PRG).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import { requireUserParam } from '../http/route-access.js';
import { parseInput } from '../http/validate.js';
import { resetSecondFactors } from '../mfa/totp-enrollment.js';
import { listUserSessions, revokeUserSession } from '../sessions/manage-sessions.js';
import { createUser } from '../users/create-user.js';
import { deleteUser } from '../users/delete-user.js';
import { listUsers, MAX_PAGE_SIZE } from '../users/list-users.js';
import { updateUser } from '../users/update-user.js';
import { usernameSchema } from '../users/username.js';
import { html } from './html.js';
import { actorOf } from './console-account.js';
import { actionButton, csrfField, sendConsolePage } from './console-html.js';
import { consoleView, redirectWithFlash } from './console-request.js';

const PAGE = 20;
const listQuery = z.object({ q: z.string().max(64).default(''), page: z.coerce.number().int().min(1).max(1000).default(1) });

export function showUsersPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    // The repository pages by id without a text search: search the first MAX_PAGE_SIZE users in memory.
    const all = (await listUsers(deps, { pageSize: MAX_PAGE_SIZE })).users;
    const needle = query.q.toLowerCase();
    const found = needle ? all.filter((u) => u.username.toLowerCase().includes(needle) || u.displayName.toLowerCase().includes(needle) || u.email.toLowerCase().includes(needle)) : all;
    const page = found.slice((query.page - 1) * PAGE, query.page * PAGE);
    const view = consoleView(req, res, 'users');
    const t = view.csrfToken;
    const more = found.length > query.page * PAGE;
    const pageLink = (n: number, label: string) => html`<a href="/admin/users?${new URLSearchParams({ q: query.q, page: String(n) }).toString()}">${label}</a>`;
    const body = html`<form method="get" action="/admin/users" role="search"><label>Search users <input type="search" name="q" id="user-search" value="${query.q}"></label><button class="button small" type="submit">Search</button></form>
<table id="users"><thead><tr><th scope="col">Username</th><th scope="col">Display name</th><th scope="col">Role</th><th scope="col">State</th><th scope="col"><span class="muted">Actions</span></th></tr></thead><tbody>
${page.map((u) => html`<tr data-user="${u.username}"><td><a href="/admin/users/${u.id}">${u.username}</a></td><td>${u.displayName}</td><td>${u.role}</td><td class="state">${u.state}</td>
<td>${actionButton(`/admin/users/${u.id}/role`, u.role === 'ADMIN' ? 'Make user' : 'Make admin', t, { fields: { role: u.role === 'ADMIN' ? 'USER' : 'ADMIN' }, id: `role-${u.username}` })}
${actionButton(`/admin/users/${u.id}/state`, u.state === 'NORMAL' ? 'Archive' : 'Restore', t, { fields: { state: u.state === 'NORMAL' ? 'ARCHIVED' : 'NORMAL' }, id: `archive-${u.username}`, ...(u.state === 'NORMAL' ? { confirm: 'Archive this user? Their sessions and tokens end.' } : {}) })}</td></tr>`)}
</tbody></table>
<p>${query.page > 1 ? pageLink(query.page - 1, 'Previous page') : ''} ${more ? pageLink(query.page + 1, 'Next page') : ''} <span class="muted">${found.length} users</span></p>
<h2>Create a user</h2>
<form method="post" action="/admin/users" id="create-user-form">${csrfField(t)}
<label>Username <input type="text" name="username" id="new-username" required maxlength="36"></label>
<label>Password <input type="password" name="password" id="new-password" autocomplete="new-password" required></label>
<label>Email <input type="email" name="email" maxlength="256"></label>
<label>Display name <input type="text" name="displayName" maxlength="256"></label>
<label>Role <select name="role"><option value="USER">User</option><option value="ADMIN">Administrator</option></select></label>
<button class="button primary" type="submit" id="create-user">Create user</button></form>`;
    sendConsolePage(res, deps.config, 200, 'Users', view, body);
  };
}

export function showUserPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const user = await requireUserParam(deps, req, principal.user);
    const sessions = await listUserSessions(deps, user.id);
    const groups = await deps.store.groups.listForUser(user.id);
    const view = consoleView(req, res, 'users');
    const t = view.csrfToken;
    const base = `/admin/users/${user.id}`;
    const body = html`<p><strong>${user.username}</strong> · ${user.displayName} · ${user.email} · ${user.role} · ${user.state}</p>
<h2>Groups</h2>
<table id="user-groups"><thead><tr><th scope="col">From</th><th scope="col">Groups</th></tr></thead><tbody>
<tr><td>local (given by an admin)</td><td>${groups.local.join(', ')}</td></tr>
${groups.upstream.map((g) => html`<tr><td>${g.provider}</td><td>${g.groups.join(', ')}</td></tr>`)}
</tbody></table>
<h2>Sessions</h2>
<table id="user-sessions"><thead><tr><th scope="col">Device</th><th scope="col">Address</th><th scope="col">Last active</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${sessions.map((s) => html`<tr><td>${s.clientInfo.browser} on ${s.clientInfo.os}</td><td>${s.clientInfo.ipAddress}</td><td>${s.lastActiveAt.toISOString()}</td><td>${actionButton(`${base}/sessions/${s.id}/revoke`, 'Revoke', t)}</td></tr>`)}
</tbody></table>
<h2>Actions</h2>
<p>${actionButton(`${base}/second-factors/reset`, 'Reset second factors', t, { confirm: 'Remove every second factor of this user?', id: 'reset-mfa' })}
${actionButton(`${base}/delete`, 'Delete user', t, { confirm: 'Delete this user for good?', id: 'delete-user' })}</p>`;
    sendConsolePage(res, deps.config, 200, `User ${user.username}`, view, body);
  };
}

const createForm = z.object({
  username: usernameSchema,
  password: z.string().min(1).max(1024),
  email: z.union([z.email().max(256), z.literal('')]).default(''),
  displayName: z.string().max(256).default(''),
  role: z.enum(['ADMIN', 'USER']).default('USER'),
});

export function submitCreateUser(deps: Deps): RequestHandler {
  return async (req, res) => {
    const form = parseInput(createForm, req.body);
    const principal = requirePrincipal(res);
    const user = await createUser(deps, principal.user, form);
    await recordAudit(deps, 'user.created', originOf(req), { actorUserId: principal.user.id, subjectUserId: user.id, subject: user.username, detail: { role: user.role } });
    redirectWithFlash(req, res, '/admin/users', `User ${user.username} created.`);
  };
}

const changeForm = z.object({ role: z.enum(['ADMIN', 'USER']).optional(), state: z.enum(['NORMAL', 'ARCHIVED']).optional() });

export function submitChangeUser(deps: Deps, field: 'role' | 'state'): RequestHandler {
  return async (req, res) => {
    const form = parseInput(changeForm, req.body);
    const value = form[field];
    if (value === undefined) throw invalidArgument(`${field} is required`);
    const principal = requirePrincipal(res);
    const target = await requireUserParam(deps, req, principal.user);
    const updated = await updateUser(deps, actorOf(req, res), target, { [field]: value });
    await recordAudit(deps, 'user.updated', originOf(req), { actorUserId: principal.user.id, subjectUserId: updated.id, subject: updated.username, detail: { fields: field } });
    redirectWithFlash(req, res, '/admin/users', `User ${updated.username}: ${field} is now ${value}.`);
  };
}

export function submitDeleteUser(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const target = await requireUserParam(deps, req, principal.user);
    await deleteUser(deps, principal, target);
    await recordAudit(deps, 'user.deleted', originOf(req), { actorUserId: principal.user.id, subjectUserId: target.id, subject: target.username });
    redirectWithFlash(req, res, '/admin/users', `User ${target.username} deleted.`);
  };
}

export function submitResetSecondFactors(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const target = await requireUserParam(deps, req, principal.user);
    await resetSecondFactors(deps, principal.user, target, originOf(req));
    redirectWithFlash(req, res, `/admin/users/${target.id}`, 'Second factors removed.');
  };
}

export function submitRevokeUserSession(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const target = await requireUserParam(deps, req, principal.user);
    const sessionId = String(req.params.sessionId ?? '');
    if (!/^[0-9A-Za-z-]{1,64}$/.test(sessionId)) throw invalidArgument('invalid session id');
    await revokeUserSession(deps, target.id, sessionId);
    await recordAudit(deps, 'session.revoked', originOf(req), { actorUserId: principal.user.id, subjectUserId: target.id, subject: sessionId });
    redirectWithFlash(req, res, `/admin/users/${target.id}`, 'Session revoked.');
  };
}
