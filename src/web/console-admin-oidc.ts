// /admin/oidc-clients (admins): the OpenID Provider's relying parties, listed (the deployment file's read-only),
// registered from a form, their secret regenerated, deleted — each through the same oidc-provider/client-admin.ts
// as /api/v1/oidc-clients, so the form's input meets the API's checks. A new secret is shown once, on the page the
// form redirects to; editing an existing client stays in the API (PATCH with updateMask).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import { parseInput } from '../http/validate.js';
import { createClient, deleteClient, regenerateClientSecret } from '../oidc-provider/client-admin.js';
import { listAllOidcClients } from '../oidc-provider/client-lookup.js';
import type { OidcClient } from '../oidc-provider/oidc-storage.js';
import { html } from './html.js';
import { actionButton, csrfField, sendConsolePage } from './console-html.js';
import { consoleView, redirectWithFlash } from './console-request.js';

declare module 'express-session' {
  interface SessionData {
    /** A client's new secret, shown once on the next GET /admin/oidc-clients. */
    consoleNewClientSecret?: { clientId: string; secret: string };
  }
}

const who = (c: OidcClient) =>
  [...c.allowedRoles.map((r) => `role ${r}`), ...c.allowedUsers, ...c.allowedGroups.map((g) => `group ${g}`)].join(', ') || 'everyone';

export function showOidcClientsPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const clients = await listAllOidcClients(deps);
    const view = consoleView(req, res, 'oidc');
    const t = view.csrfToken;
    const fresh = req.session.consoleNewClientSecret;
    delete req.session.consoleNewClientSecret;
    const body = html`${deps.oidc ? '' : html`<p class="muted">The OpenID Provider is turned off (GATEWAY_OIDC_PROVIDER=false).</p>`}
<p>Issuer for apps: <code>${deps.config.instanceUrl}/oidc</code></p>
${fresh ? html`<div class="notice" role="status"><p>The client secret of <strong>${fresh.clientId}</strong>. Copy it now: it is shown only once.</p><code class="token" id="new-client-secret">${fresh.secret}</code>
<button class="button small" type="button" data-copy="new-client-secret" id="copy-client-secret">Copy</button></div>` : ''}
<table id="oidc-clients"><thead><tr><th scope="col">Client</th><th scope="col">Name</th><th scope="col">Redirect URIs</th><th scope="col">Kind</th><th scope="col">Who may use it</th><th scope="col"><span class="muted">Actions</span></th></tr></thead><tbody>
${clients.map(({ client: c, managedBy }) => html`<tr data-client="${c.clientId}"><td>${c.clientId}</td><td>${c.displayName}</td><td>${c.redirectUris.join(' ')}</td><td>${c.public ? 'public' : 'confidential'}</td><td>${who(c)}</td>
<td>${managedBy === 'DEPLOYMENT' ? html`<span class="muted">From the deployment's client file: read-only here.</span>` : html`${c.public ? '' : actionButton(`/admin/oidc-clients/${encodeURIComponent(c.clientId)}/secret`, 'New secret', t, { confirm: 'Make a new secret? The old one stops working at once.', id: `secret-${c.clientId}` })}
${actionButton(`/admin/oidc-clients/${encodeURIComponent(c.clientId)}/delete`, 'Delete', t, { confirm: 'Delete this application? Its users are signed out of it.' })}`}</td></tr>`)}
</tbody></table>
<h2 id="h-new-client">Register an application</h2>
<form method="post" action="/admin/oidc-clients" id="oidc-client-form" aria-labelledby="h-new-client">${csrfField(t)}
<label>Name shown to people <input type="text" name="displayName" id="client-display-name" maxlength="128" required></label>
<label>Client ID (letters, digits, dots, dashes; empty: generated) <input type="text" name="clientId" id="client-id" maxlength="64"></label>
<label>Redirect URIs (one per line, matched exactly) <textarea name="redirectUris" id="client-redirect-uris" rows="3" maxlength="8192" required></textarea></label>
<label>Post-logout redirect URIs (one per line; optional) <textarea name="postLogoutRedirectUris" id="client-post-logout-uris" rows="2" maxlength="8192"></textarea></label>
<label><input type="checkbox" name="public" value="true" id="client-public"> Public client (a browser or mobile app: no secret, PKCE required)</label>
<label>Consent <select name="consent" id="client-consent"><option value="ONCE">Ask once per person and scope set</option><option value="SKIP">Never ask (an app of this team)</option></select></label>
<fieldset><legend>Who may use it (nothing ticked or listed: everyone)</legend>
<label><input type="checkbox" name="allowedRoles" value="ADMIN" id="client-role-admin"> Administrators</label>
<label><input type="checkbox" name="allowedRoles" value="USER" id="client-role-user"> Users</label>
<label>Groups (one per line: local groups or a provider's) <textarea name="allowedGroups" id="client-groups" rows="2" maxlength="8192"></textarea></label></fieldset>
<label>Back-channel logout URI (optional) <input type="url" name="backchannelLogoutUri" id="client-bcl" maxlength="2048"></label>
<button class="button primary" type="submit" id="save-client">Register</button></form>
<p class="muted">Change an existing application with <code>PATCH /api/v1/oidc-clients/{clientId}?updateMask=…</code>.</p>`;
    sendConsolePage(res, deps.config, 200, 'OpenID Connect applications', view, body);
  };
}

const lines = z
  .string()
  .max(8192)
  .optional()
  .transform((v) => (v ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean));
const oneOrMany = z.union([z.string(), z.array(z.string()).max(2)]).optional().transform((v) => (v === undefined ? [] : [v].flat()));

const clientForm = z.object({
  displayName: z.string().max(128),
  clientId: z.string().max(64).optional(),
  redirectUris: lines,
  postLogoutRedirectUris: lines,
  public: z.literal('true').optional(),
  consent: z.enum(['ONCE', 'SKIP']).optional(),
  allowedRoles: oneOrMany,
  allowedGroups: lines,
  backchannelLogoutUri: z.string().max(2048).optional(),
});

export function submitCreateOidcClient(deps: Deps): RequestHandler {
  return async (req, res) => {
    const form = parseInput(clientForm, req.body);
    // The API's body, so the API's checks (client-input.ts) decide; an empty optional field is left out.
    const { client, secret } = await createClient(deps, {
      displayName: form.displayName,
      ...(form.clientId ? { clientId: form.clientId } : {}),
      redirectUris: form.redirectUris,
      postLogoutRedirectUris: form.postLogoutRedirectUris,
      public: form.public === 'true',
      ...(form.consent ? { consent: form.consent } : {}),
      allowedRoles: form.allowedRoles,
      allowedGroups: form.allowedGroups,
      ...(form.backchannelLogoutUri ? { backchannelLogoutUri: form.backchannelLogoutUri } : {}),
    });
    await recordAudit(deps, 'oidc_client.created', originOf(req), { actorUserId: requirePrincipal(res).user.id, subject: client.clientId });
    if (secret !== null) req.session.consoleNewClientSecret = { clientId: client.clientId, secret };
    redirectWithFlash(req, res, '/admin/oidc-clients', `Application ${client.clientId} registered.`);
  };
}

function clientIdParam(params: Record<string, unknown>): string {
  const clientId = String(params.clientId ?? '');
  if (clientId === '' || clientId.length > 256) throw invalidArgument('invalid client id');
  return clientId;
}

export function submitRegenerateOidcSecret(deps: Deps): RequestHandler {
  return async (req, res) => {
    const clientId = clientIdParam(req.params);
    const secret = await regenerateClientSecret(deps, clientId);
    await recordAudit(deps, 'oidc_client.updated', originOf(req), { actorUserId: requirePrincipal(res).user.id, subject: clientId, detail: { secret: 'regenerated' } });
    req.session.consoleNewClientSecret = { clientId, secret };
    redirectWithFlash(req, res, '/admin/oidc-clients', `A new secret for ${clientId}.`);
  };
}

export function submitDeleteOidcClient(deps: Deps): RequestHandler {
  return async (req, res) => {
    const clientId = clientIdParam(req.params);
    await deleteClient(deps, clientId);
    await recordAudit(deps, 'oidc_client.deleted', originOf(req), { actorUserId: requirePrincipal(res).user.id, subject: clientId });
    redirectWithFlash(req, res, '/admin/oidc-clients', 'Application deleted.');
  };
}
