// /admin/oidc-clients (admins): the OpenID Provider's relying parties, listed, and deleted through the same
// oidc-provider/client-admin.ts as DELETE /api/v1/oidc-clients/{clientId}. Creating and editing stay in the API
// for now (the secret is shown once there).
import type { RequestHandler } from 'express';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import { deleteClient } from '../oidc-provider/client-admin.js';
import { html } from './html.js';
import { actionButton, sendConsolePage } from './console-html.js';
import { consoleView, redirectWithFlash } from './console-request.js';

export function showOidcClientsPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const clients = await deps.store.oidcClients.list();
    const view = consoleView(req, res, 'oidc');
    const body = html`${deps.oidc ? '' : html`<p class="muted">The OpenID Provider is turned off (GATEWAY_OIDC_PROVIDER=false).</p>`}
<table id="oidc-clients"><thead><tr><th scope="col">Client</th><th scope="col">Name</th><th scope="col">Redirect URIs</th><th scope="col">Kind</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${clients.map((c) => html`<tr data-client="${c.clientId}"><td>${c.clientId}</td><td>${c.displayName}</td><td>${c.redirectUris.join(' ')}</td><td>${c.public ? 'public' : 'confidential'}</td>
<td>${actionButton(`/admin/oidc-clients/${encodeURIComponent(c.clientId)}/delete`, 'Delete', view.csrfToken, { confirm: 'Delete this application? Its users are signed out of it.' })}</td></tr>`)}
</tbody></table>
<p class="muted">Register and edit applications with <code>POST /api/v1/oidc-clients</code> (the secret is shown once).</p>`;
    sendConsolePage(res, deps.config, 200, 'OpenID Connect applications', view, body);
  };
}

export function submitDeleteOidcClient(deps: Deps): RequestHandler {
  return async (req, res) => {
    const clientId = String(req.params.clientId ?? '');
    if (clientId === '' || clientId.length > 256) throw invalidArgument('invalid client id');
    await deleteClient(deps, clientId);
    await recordAudit(deps, 'oidc_client.deleted', originOf(req), { actorUserId: requirePrincipal(res).user.id, subject: clientId });
    redirectWithFlash(req, res, '/admin/oidc-clients', 'Application deleted.');
  };
}
