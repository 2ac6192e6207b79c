// /admin/providers (admins): the identity providers, a form per preset in config/idp-presets/ (one field per
// setting), edit, delete, and a "test" button that runs discovery (OIDC) or fetches the authorization URL and
// says what failed. Providers from the deployment's file are shown read-only. Writes go through sso/idp-admin.ts,
// as the API's do.
import { readdirSync, readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import { parseInput } from '../http/validate.js';
import type { IdentityProvider } from '../sso/identity-provider.js';
import { createIdentityProvider, deleteIdentityProvider, requireIdp, updateIdentityProvider } from '../sso/idp-admin.js';
import { findDeploymentIdp, listIdps } from '../sso/idp-lookup.js';
import { html, type SafeHtml } from './html.js';
import { actionButton, csrfField, sendConsolePage } from './console-html.js';
import { consoleView, redirectWithFlash } from './console-request.js';

const PRESET_DIR = new URL('../../config/idp-presets/', import.meta.url);

interface Preset { title: string; config: { oauth2Config: Record<string, unknown> } }

/** The presets shipped in config/idp-presets/, by file name without `.json` (github, google, …). */
export function loadPresets(): Map<string, Preset> {
  const presets = new Map<string, Preset>();
  for (const file of readdirSync(PRESET_DIR).filter((f) => f.endsWith('.json')).sort()) {
    presets.set(file.slice(0, -5), JSON.parse(readFileSync(new URL(file, PRESET_DIR), 'utf8')) as Preset);
  }
  return presets;
}

const FIELDS = [
  ['clientId', 'Client ID'], ['clientSecret', 'Client secret'], ['issuer', 'Issuer (OpenID Connect discovery; empty for plain OAuth2)'],
  ['authUrl', 'Authorization URL'], ['tokenUrl', 'Token URL'], ['userInfoUrl', 'User-info URL'],
] as const;
const MAPPING = [['identifier', 'Identifier claim'], ['username', 'Username claim'], ['displayName', 'Display name claim'], ['email', 'Email claim'], ['avatarUrl', 'Avatar URL claim']] as const;

function providerForm(action: string, token: string, values: { uid?: string; title: string; identifierFilter: string; config: Record<string, unknown> }, secretNote: boolean): SafeHtml {
  const c = values.config;
  const mapping = (c.fieldMapping ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return html`<form method="post" action="${action}" id="provider-form">${csrfField(token)}
${values.uid !== undefined ? html`<label>ID (letters, digits, dashes; optional) <input type="text" name="uid" id="idp-uid" value="${values.uid}" maxlength="64"></label>` : ''}
<label>Title <input type="text" name="title" id="idp-title" value="${values.title}" maxlength="256" required></label>
${FIELDS.map(([k, label]) => html`<label>${label}${k === 'clientSecret' && secretNote ? ' (leave empty to keep)' : ''} <input type="${k === 'clientSecret' ? 'password' : 'text'}" name="${k}" id="idp-${k}" value="${k === 'clientSecret' && secretNote ? '' : str(c[k])}" maxlength="4096"></label>`)}
<label>Scopes (space-separated) <input type="text" name="scopes" id="idp-scopes" value="${Array.isArray(c.scopes) ? c.scopes.join(' ') : ''}" maxlength="1024"></label>
<fieldset><legend>Field mapping</legend>${MAPPING.map(([k, label]) => html`<label>${label} <input type="text" name="map_${k}" id="idp-map-${k}" value="${str(mapping[k])}" maxlength="256"></label>`)}</fieldset>
<label>Identifier filter (RE2 regular expression; empty allows everyone) <input type="text" name="identifierFilter" id="idp-filter" value="${values.identifierFilter}" maxlength="4096"></label>
<button class="button primary" type="submit" id="save-provider">Save provider</button></form>`;
}

export function showProvidersPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const idps = await listIdps(deps);
    const view = consoleView(req, res, 'providers');
    const t = view.csrfToken;
    const presets = [...loadPresets().entries()];
    const row = (idp: IdentityProvider) => {
      const fromFile = findDeploymentIdp(deps, idp.uid) !== null;
      return html`<tr data-idp="${idp.uid}"><td>${idp.title}</td><td>${idp.uid}</td><td>${idp.config.issuer ? 'OpenID Connect' : 'OAuth2'}</td>
<td>${fromFile ? html`<span class="muted">Managed in the deployment's provider file: read-only here.</span>` : html`<a href="/admin/providers/${idp.uid}">Edit</a> ${actionButton(`/admin/providers/${idp.uid}/delete`, 'Delete', t, { confirm: 'Delete this provider? Its users can no longer sign in with it.' })}`}
${actionButton(`/admin/providers/${idp.uid}/test`, 'Test', t, { id: `test-${idp.uid}` })}</td></tr>`;
    };
    const body = html`<table id="providers"><thead><tr><th scope="col">Title</th><th scope="col">ID</th><th scope="col">Kind</th><th scope="col"><span class="muted">Actions</span></th></tr></thead><tbody>${idps.map(row)}</tbody></table>
<h2>Add a provider</h2><ul>${presets.map(([name, p]) => html`<li><a href="/admin/providers/new?preset=${name}" id="preset-${name}">${p.title}</a></li>`)}<li><a href="/admin/providers/new">Another OAuth2 / OpenID Connect provider</a></li></ul>
<p class="muted">The redirect URI to register at the provider: <code>${new URL('/auth/callback', deps.config.instanceUrl).href}</code></p>`;
    sendConsolePage(res, deps.config, 200, 'Identity providers', view, body);
  };
}

export function showNewProviderPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const name = typeof req.query.preset === 'string' ? req.query.preset : '';
    const preset = name ? loadPresets().get(name) : undefined;
    if (name && !preset) throw invalidArgument('unknown preset');
    const view = consoleView(req, res, 'providers');
    const config = { ...(preset?.config.oauth2Config ?? {}) };
    // A preset's client id and secret are placeholders: the admin types their own.
    config.clientId = '';
    config.clientSecret = '';
    sendConsolePage(res, deps.config, 200, preset ? `Add ${preset.title}` : 'Add a provider', view,
      providerForm('/admin/providers', view.csrfToken, { uid: name, title: preset?.title ?? '', identifierFilter: '', config }, false));
  };
}

export function showEditProviderPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const idp = await requireIdp(deps, String(req.params.uid ?? ''));
    const view = consoleView(req, res, 'providers');
    sendConsolePage(res, deps.config, 200, `Edit ${idp.title || idp.uid}`, view,
      providerForm(`/admin/providers/${idp.uid}`, view.csrfToken, { title: idp.title, identifierFilter: idp.identifierFilter, config: idp.config as unknown as Record<string, unknown> }, true));
  };
}

const text = (max: number) => z.string().max(max).default('');
const providerFormBody = z.object({
  uid: text(64), title: text(256), identifierFilter: text(4096), scopes: text(1024),
  clientId: text(512), clientSecret: text(2048), issuer: text(4096), authUrl: text(4096), tokenUrl: text(4096), userInfoUrl: text(4096),
  map_identifier: text(256), map_username: text(256), map_displayName: text(256), map_email: text(256), map_avatarUrl: text(256),
});

function toApiBody(form: z.infer<typeof providerFormBody>, keepSecret: string | null) {
  return {
    type: 'OAUTH2',
    title: form.title,
    identifierFilter: form.identifierFilter,
    config: {
      oauth2Config: {
        clientId: form.clientId,
        clientSecret: form.clientSecret === '' && keepSecret !== null ? keepSecret : form.clientSecret,
        issuer: form.issuer, authUrl: form.authUrl, tokenUrl: form.tokenUrl, userInfoUrl: form.userInfoUrl,
        scopes: form.scopes.split(/\s+/).filter(Boolean),
        fieldMapping: { identifier: form.map_identifier, username: form.map_username, displayName: form.map_displayName, email: form.map_email, avatarUrl: form.map_avatarUrl },
      },
    },
  };
}

export function submitCreateProvider(deps: Deps): RequestHandler {
  return async (req, res) => {
    const form = parseInput(providerFormBody, req.body);
    const idp = await createIdentityProvider(deps, toApiBody(form, null), form.uid || undefined);
    await recordAudit(deps, 'idp.created', originOf(req), { actorUserId: requirePrincipal(res).user.id, subject: idp.uid });
    redirectWithFlash(req, res, '/admin/providers', `Provider ${idp.title || idp.uid} added.`);
  };
}

export function submitUpdateProvider(deps: Deps): RequestHandler {
  return async (req, res) => {
    const form = parseInput(providerFormBody, req.body);
    const current = await requireIdp(deps, String(req.params.uid ?? ''));
    const idp = await updateIdentityProvider(deps, current.uid, toApiBody(form, current.config.clientSecret), 'title,identifierFilter,config');
    await recordAudit(deps, 'idp.updated', originOf(req), { actorUserId: requirePrincipal(res).user.id, subject: idp.uid });
    redirectWithFlash(req, res, '/admin/providers', `Provider ${idp.title || idp.uid} saved.`);
  };
}

export function submitDeleteProvider(deps: Deps): RequestHandler {
  return async (req, res) => {
    const uid = String(req.params.uid ?? '');
    await deleteIdentityProvider(deps, uid);
    await recordAudit(deps, 'idp.deleted', originOf(req), { actorUserId: requirePrincipal(res).user.id, subject: uid });
    redirectWithFlash(req, res, '/admin/providers', 'Provider deleted.');
  };
}

/** Discovery for an issuer, else a GET of the authorization URL; the flash says what answered or what failed. */
export function submitTestProvider(deps: Deps): RequestHandler {
  return async (req, res) => {
    const idp = await requireIdp(deps, String(req.params.uid ?? ''));
    const target = idp.config.issuer ? `${idp.config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration` : idp.config.authUrl;
    const what = idp.config.issuer ? 'Discovery' : 'The authorization URL';
    let message: string;
    let ok = false;
    try {
      const answer = await fetch(target, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
      if (idp.config.issuer) {
        const doc = answer.ok ? ((await answer.json()) as { issuer?: unknown; authorization_endpoint?: unknown }) : null;
        ok = doc !== null && typeof doc.authorization_endpoint === 'string';
        message = ok ? `${what} works: the issuer names its authorization endpoint.` : `${what} failed: HTTP ${answer.status} or no authorization_endpoint in the document.`;
      } else {
        ok = answer.status < 500;
        message = ok ? `${what} answered (HTTP ${answer.status}).` : `${what} failed: HTTP ${answer.status}.`;
      }
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? 'no answer within 5 seconds' : 'the address could not be reached';
      message = `${what} failed: ${reason}.`;
    }
    redirectWithFlash(req, res, '/admin/providers', `${idp.title || idp.uid}: ${message}`, ok ? 'ok' : 'error');
  };
}
