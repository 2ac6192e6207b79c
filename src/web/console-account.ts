// /account, for everyone signed in: profile, password, devices, personal access tokens, second factors. Every
// form calls the domain function the API route calls (users/update-user.ts, sessions/manage-sessions.ts,
// auth/manage-pats.ts) with the caller the route table's guard admitted, and answers with a redirect (PRG).
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { createPersonalAccessToken, expiryFromDays, listPersonalAccessTokens, MAX_EXPIRES_IN_DAYS, revokePersonalAccessToken } from '../auth/manage-pats.js';
import { requirePrincipal } from '../auth/principal.js';
import { assertRecentSignInOrPassword } from '../auth/step-up.js';
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import { clearSessionCookies } from '../http/cookies.js';
import { parseInput } from '../http/validate.js';
import { listUserSessions, revokeUserSession, signOutEverywhere } from '../sessions/manage-sessions.js';
import { revokeSessions } from '../sessions/session-lifecycle.js';
import { updateUser, type Actor } from '../users/update-user.js';
import { html } from './html.js';
import { actionButton, csrfField, sendConsolePage } from './console-html.js';
import { consoleView, redirectWithFlash } from './console-request.js';
import { renderLinkedIdentities } from './console-identities.js';
import { renderAppsWithAccess } from './console-apps.js';

const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'never');

export function actorOf(req: Request, res: Response, oldPassword?: string): Actor {
  const principal = requirePrincipal(res);
  return {
    user: principal.user,
    via: principal.via,
    ...(oldPassword !== undefined ? { oldPassword } : {}),
    ...(req.ip !== undefined ? { ip: req.ip } : {}),
    findSessionId: async () => principal.session?.id ?? null,
  };
}

export function showAccountPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const user = principal.user;
    const [sessions, pats] = await Promise.all([listUserSessions(deps, user.id), listPersonalAccessTokens(deps, user.id)]);
    const view = consoleView(req, res, 'account');
    const identities = await renderLinkedIdentities(deps, user, view.csrfToken);
    const apps = await renderAppsWithAccess(deps, user, view.csrfToken);
    const t = view.csrfToken;
    const newToken = req.session.consoleNewToken;
    delete req.session.consoleNewToken;
    const body = html`<p>Signed in as <strong id="account-username">${user.username}</strong>${user.displayName ? html` (<span id="account-display-name">${user.displayName}</span>)` : ''} · ${user.role === 'ADMIN' ? 'administrator' : 'user'}</p>
<section aria-labelledby="h-profile"><h2 id="h-profile">Profile</h2>
<form method="post" action="/account/profile" id="profile-form">${csrfField(t)}
<label>Display name <input type="text" name="displayName" id="displayName" value="${user.displayName}" maxlength="256"></label>
<label>Email <input type="email" name="email" id="email" value="${user.email}" maxlength="256"></label>
<label>Avatar URL <input type="url" name="avatarUrl" id="avatarUrl" value="${user.avatarUrl}" maxlength="2048"></label>
<button class="button primary" type="submit" id="save-profile">Save profile</button></form></section>
<section aria-labelledby="h-password"><h2 id="h-password">Password</h2>
<form method="post" action="/account/password" id="password-form">${csrfField(t)}
<label>Current password <input type="password" name="oldPassword" autocomplete="current-password" required></label>
<label>New password <input type="password" name="password" autocomplete="new-password" required></label>
<label>New password again <input type="password" name="password2" autocomplete="new-password" required></label>
<button class="button primary" type="submit" id="change-password">Change password</button></form></section>
<section aria-labelledby="h-devices"><h2 id="h-devices">Signed-in devices</h2>
<table id="devices"><thead><tr><th scope="col">Device</th><th scope="col">Address</th><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${sessions.map((s) => html`<tr data-session="${s.id}"><td>${s.clientInfo.browser || 'Browser'} on ${s.clientInfo.os || 'unknown system'}${s.id === principal.session?.id ? html` <strong class="this-device">(this device)</strong>` : ''}</td><td>${s.clientInfo.ipAddress}</td><td>${when(s.createdAt)}</td><td>${when(s.lastActiveAt)}</td>
<td>${actionButton(`/account/sessions/${encodeURIComponent(s.id)}/revoke`, 'Revoke', t, { confirm: 'Sign this device out?' })}</td></tr>`)}
</tbody></table>
<p>${actionButton('/account/sessions/revoke-all', 'Sign out everywhere', t, { confirm: 'Sign out on every device, and revoke every personal access token?', id: 'signout-everywhere' })}</p></section>
<section aria-labelledby="h-tokens"><h2 id="h-tokens">Personal access tokens</h2>
${newToken ? html`<div class="notice" role="status"><p>Your new token. Copy it now: it is shown only once.</p><code class="token" id="new-token">${newToken}</code>
<button class="button small" type="button" data-copy="new-token" id="copy-token">Copy</button></div>` : ''}
<table id="tokens"><thead><tr><th scope="col">Description</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${pats.map((p) => html`<tr data-token="${p.id}"><td>${p.description || '(no description)'}</td><td>${when(p.createdAt)}</td><td>${when(p.expiresAt)}</td><td class="last-used">${when(p.lastUsedAt)}</td>
<td>${actionButton(`/account/tokens/${encodeURIComponent(p.id)}/revoke`, 'Revoke', t, { confirm: 'Revoke this token? Scripts using it stop working.', id: `revoke-${p.id}` })}</td></tr>`)}
</tbody></table>
<form method="post" action="/account/tokens" id="token-form">${csrfField(t)}
<label>Description <input type="text" name="description" id="token-description" maxlength="256"></label>
<label>Expires in days (0 = never) <input type="number" name="expiresInDays" id="token-days" min="0" max="${MAX_EXPIRES_IN_DAYS}" value="30"></label>
<label>Current password (needed when you signed in more than 10 minutes ago) <input type="password" name="password" autocomplete="current-password"></label>
<button class="button primary" type="submit" id="create-token">Create token</button></form></section>
${identities}
${apps}
<section aria-labelledby="h-mfa"><h2 id="h-mfa">Second factors</h2>
<p>Authenticator app and recovery codes: <a href="/auth/mfa/enroll">set up a second factor</a>.</p></section>`;
    sendConsolePage(res, deps.config, 200, 'Your account', view, body);
  };
}

const optionalText = (max: number) => z.string().max(max).optional();
const profileForm = z.object({ displayName: optionalText(256), email: z.union([z.email().max(256), z.literal('')]).optional(), avatarUrl: z.union([z.url().max(2048), z.literal('')]).optional() });

export function submitProfile(deps: Deps): RequestHandler {
  return async (req, res) => {
    const form = parseInput(profileForm, req.body);
    const principal = requirePrincipal(res);
    const changes = Object.fromEntries(Object.entries(form).filter(([, v]) => v !== undefined));
    const updated = await updateUser(deps, actorOf(req, res), principal.user, changes);
    await recordAudit(deps, 'user.updated', originOf(req), { actorUserId: principal.user.id, subjectUserId: updated.id, subject: updated.username, detail: { fields: Object.keys(changes).join(',') } });
    redirectWithFlash(req, res, '/account', 'Profile saved.');
  };
}

const passwordForm = z.object({ oldPassword: z.string().min(1).max(1024), password: z.string().min(1).max(1024), password2: z.string().max(1024) });

export function submitPassword(deps: Deps): RequestHandler {
  return async (req, res) => {
    const form = parseInput(passwordForm, req.body);
    if (form.password !== form.password2) throw invalidArgument('the two new passwords are not the same');
    const principal = requirePrincipal(res);
    await updateUser(deps, actorOf(req, res, form.oldPassword), principal.user, { password: form.password });
    await recordAudit(deps, 'password.changed', originOf(req), { actorUserId: principal.user.id, subjectUserId: principal.user.id, subject: principal.user.username, detail: { fields: '' } });
    redirectWithFlash(req, res, '/account', 'Password changed. Your other devices were signed out.');
  };
}

export function submitRevokeSession(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const sessionId = requireId(req.params.sessionId);
    await revokeUserSession(deps, principal.user.id, sessionId);
    await recordAudit(deps, 'session.revoked', originOf(req), { actorUserId: principal.user.id, subjectUserId: principal.user.id, subject: sessionId });
    if (sessionId === principal.session?.id) {
      clearSessionCookies(res, req, deps.config);
      return res.redirect(303, '/auth');
    }
    redirectWithFlash(req, res, '/account', 'The device was signed out.');
  };
}

export function submitSignOutEverywhere(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const revoked = await signOutEverywhere(deps, principal.user.id);
    await recordAudit(deps, 'sessions.revoked_all', originOf(req), { actorUserId: principal.user.id, subjectUserId: principal.user.id, subject: principal.user.username, detail: { sessions: revoked.sessionIds.length, pats: revoked.patIds.length } });
    clearSessionCookies(res, req, deps.config);
    res.redirect(303, '/auth');
  };
}

/** Signs this browser's session out (the console's own sign-out button). */
export function submitConsoleSignOut(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    if (principal.session) await revokeSessions(deps, [principal.session.id]);
    await recordAudit(deps, 'signout', originOf(req), { actorUserId: principal.user.id, subjectUserId: principal.user.id, subject: principal.user.username });
    clearSessionCookies(res, req, deps.config);
    res.redirect(303, '/auth');
  };
}

const tokenForm = z.object({
  description: z.string().max(256).default(''),
  expiresInDays: z.string().regex(/^[0-9]{0,6}$/).default('').transform((v) => (v === '' ? 0 : Number(v))).pipe(z.number().max(MAX_EXPIRES_IN_DAYS)),
  password: z.string().max(1024).default(''),
});

export function submitCreateToken(deps: Deps): RequestHandler {
  return async (req, res) => {
    const form = parseInput(tokenForm, req.body);
    const principal = requirePrincipal(res);
    await assertRecentSignInOrPassword(deps, principal, form.password === '' ? undefined : form.password, req.ip);
    const created = await createPersonalAccessToken(deps, principal.user.id, { description: form.description, expiresAt: expiryFromDays(deps.clock.now(), form.expiresInDays) });
    await recordAudit(deps, 'pat.created', originOf(req), { actorUserId: principal.user.id, subjectUserId: principal.user.id, subject: created.pat.id });
    req.session.consoleNewToken = created.token;
    redirectWithFlash(req, res, '/account', 'Token created.');
  };
}

export function submitRevokeToken(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const tokenId = requireId(req.params.tokenId);
    await revokePersonalAccessToken(deps, principal.user.id, tokenId);
    await recordAudit(deps, 'pat.revoked', originOf(req), { actorUserId: principal.user.id, subjectUserId: principal.user.id, subject: tokenId });
    redirectWithFlash(req, res, '/account', 'Token revoked.');
  };
}

function requireId(value: unknown): string {
  const id = String(value ?? '');
  if (!/^[0-9A-Za-z-]{1,64}$/.test(id)) throw invalidArgument('invalid id in the path');
  return id;
}
