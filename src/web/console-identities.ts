// /account's linked identities: link another provider through the SSO flow (a flow record that names the
// signed-in user, sso/linked-identities.ts), and unlink one unless it is the only way in. Starting a link is a
// GET (the browser must be able to follow it to the provider: a form's redirect would be held to form-action),
// so it carries the session's CSRF token in its query and must come from the console itself.
import type { RequestHandler } from 'express';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { invalidArgument, permissionDenied } from '../errors.js';
import type { User } from '../users/user.js';
import { listIdps } from '../sso/idp-lookup.js';
import { listLinkedIdentities, unlinkIdentity } from '../sso/linked-identities.js';
import { startSsoFlow } from '../sso/start-flow.js';
import { html, type SafeHtml } from './html.js';
import { actionButton } from './console-html.js';
import { redirectWithFlash } from './console-request.js';
import { flowBindingFor, setFlowBinding } from './flow-cookie.js';
import { isCrossSite } from './signin-handlers.js';

function idpUidOf(value: unknown): string {
  const uid = String(value ?? '');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(uid)) throw invalidArgument('invalid identity provider id');
  return uid;
}

export async function renderLinkedIdentities(deps: Deps, user: User, csrfToken: string): Promise<SafeHtml> {
  const [links, idps] = await Promise.all([listLinkedIdentities(deps, user.id), listIdps(deps)]);
  const titleOf = (uid: string) => idps.find((i) => i.uid === uid)?.title || uid;
  const unlinked = idps.filter((i) => !links.some((l) => l.provider === i.uid));
  const query = new URLSearchParams({ _csrf: csrfToken }).toString();
  return html`<section aria-labelledby="h-identities"><h2 id="h-identities">Linked identities</h2>
<table id="identities"><thead><tr><th scope="col">Provider</th><th scope="col">Account</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${links.map((l) => html`<tr data-identity="${l.provider}"><td>${titleOf(l.provider)}</td><td>${l.externUid}</td><td>${actionButton(`/account/identities/${l.provider}/unlink`, 'Unlink', csrfToken, { confirm: 'Unlink this account?', id: `unlink-${l.provider}` })}</td></tr>`)}
</tbody></table>
${unlinked.length > 0 ? html`<ul>${unlinked.map((i) => html`<li><a href="/account/identities/link/${i.uid}?${query}" id="link-${i.uid}">Link ${i.title || i.uid}</a></li>`)}</ul>` : ''}</section>`;
}

export function startLinkFlow(deps: Deps): RequestHandler {
  return async (req, res) => {
    if (isCrossSite(req, deps.config) || req.query._csrf !== req.session.csrfToken) throw permissionDenied('this link has expired; open it from your account page');
    const principal = requirePrincipal(res);
    const binding = flowBindingFor(req);
    const url = await startSsoFlow(deps, { idpUid: idpUidOf(req.params.uid), returnTo: '/account', bindingHash: binding.hash, origin: originOf(req), linkUserId: principal.user.id });
    setFlowBinding(req, res, deps.config, binding);
    res.redirect(302, url.href);
  };
}

export function submitUnlink(deps: Deps): RequestHandler {
  return async (req, res) => {
    const principal = requirePrincipal(res);
    const uid = idpUidOf(req.params.idpUid);
    await unlinkIdentity(deps, principal.user, uid);
    await recordAudit(deps, 'identity.unlinked', originOf(req), { actorUserId: principal.user.id, subjectUserId: principal.user.id, subject: uid });
    redirectWithFlash(req, res, '/account', 'The account was unlinked.');
  };
}
