// /account's "apps with access": the OpenID Provider's consents and live grants of the signed-in user
// (oidc-provider/consents.ts, as GET/DELETE /api/v1/users/{user}/oidcConsents), each with a revoke button.
import type { RequestHandler } from 'express';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import { listUserConsents, revokeUserConsent } from '../oidc-provider/consents.js';
import type { User } from '../users/user.js';
import { html, type SafeHtml } from './html.js';
import { actionButton } from './console-html.js';
import { redirectWithFlash } from './console-request.js';

export async function renderAppsWithAccess(deps: Deps, user: User, csrfToken: string): Promise<SafeHtml> {
  const consents = await listUserConsents(deps, user.id);
  return html`<section aria-labelledby="h-apps"><h2 id="h-apps">Apps with access</h2>
${consents.length === 0 ? html`<p class="muted">No application signs you in through this gateway.</p>` : html`<table id="apps"><thead><tr><th scope="col">Application</th><th scope="col">Scopes</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${consents.map((c) => html`<tr data-app="${c.clientId}"><td>${c.clientDisplayName || c.clientId}</td><td>${c.scopes.join(' ')}</td><td>${actionButton(`/account/apps/${encodeURIComponent(c.clientId)}/revoke`, 'Revoke', csrfToken, { confirm: 'Revoke this application? Its tokens stop working at once.' })}</td></tr>`)}
</tbody></table>`}</section>`;
}

export function submitRevokeApp(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const clientId = String(req.params.clientId ?? '');
    if (clientId === '' || clientId.length > 256) throw invalidArgument('invalid client id');
    const { grantsRevoked } = await revokeUserConsent(deps, principal.user.id, clientId);
    await recordAudit(deps, 'oidc.consent_revoked', originOf(req), { actorUserId: principal.user.id, subjectUserId: principal.user.id, subject: clientId, detail: { grantsRevoked } });
    redirectWithFlash(req, res, '/account', 'The application no longer has access.');
  };
}
