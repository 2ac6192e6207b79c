// /admin/settings (admins): every GENERAL field with one line on what it does; saved with the same read-merge-
// write as PATCH /api/v1/instance/settings/GENERAL (settings/general-setting.ts).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { parseInput } from '../http/validate.js';
import { getGeneralSetting, patchGeneralSetting } from '../settings/general-setting.js';
import { html } from './html.js';
import { csrfField, sendConsolePage } from './console-html.js';
import { consoleView, redirectWithFlash } from './console-request.js';

const FLAGS = [
  ['disallowUserRegistration', 'No new accounts: neither sign-up nor first SSO sign-in creates a user.'],
  ['disallowPasswordAuth', 'No password sign-in or sign-up; only identity providers.'],
  ['disallowChangeUsername', 'Users may not change their username (Memos).'],
  ['disallowChangeNickname', 'Users may not change their display name (Memos).'],
  ['allowUsernameChange', 'Users may rename themselves, unless an admin locked their name.'],
] as const;

export function showSettingsPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const g = await getGeneralSetting(deps.store.settings);
    const view = consoleView(req, res, 'settings');
    const body = html`<p><a href="/admin/keys">Signing keys</a></p>
<form method="post" action="/admin/settings" id="settings-form">${csrfField(view.csrfToken)}
${FLAGS.map(([k, what]) => html`<label><input type="checkbox" name="${k}" value="true" id="set-${k}"${g[k] ? html` checked` : ''}> ${k}<br><span class="muted">${what}</span></label>`)}
<label>secondFactorRequirement <select name="secondFactorRequirement" id="set-secondFactorRequirement">${(['OPTIONAL', 'ADMINS', 'EVERYONE'] as const).map((v) => html`<option value="${v}"${g.secondFactorRequirement === v ? html` selected` : ''}>${v}</option>`)}</select><span class="muted">Who must have a second factor: nobody, admins, or everyone.</span></label>
<label>weekStartDayOffset <input type="number" name="weekStartDayOffset" min="-6" max="6" value="${g.weekStartDayOffset}"><span class="muted">First day of the week for clients (Memos).</span></label>
<label>customProfile.title <input type="text" name="title" value="${g.customProfile?.title ?? ''}" maxlength="256"><span class="muted">Instance name on the sign-in page.</span></label>
<label>customProfile.description <input type="text" name="description" value="${g.customProfile?.description ?? ''}" maxlength="1024"><span class="muted">A line about the instance (Memos).</span></label>
<label>customProfile.logoUrl <input type="text" name="logoUrl" value="${g.customProfile?.logoUrl ?? ''}" maxlength="2048"><span class="muted">Logo address (Memos).</span></label>
<p class="muted">additionalScript and additionalStyle (Memos' injected script and style) are kept as stored: the gateway's pages never run them.</p>
<button class="button primary" type="submit" id="save-settings">Save settings</button></form>`;
    sendConsolePage(res, deps.config, 200, 'Instance settings', view, body);
  };
}

const flag = z.literal('true').optional().transform((v) => v === 'true');
const settingsForm = z.object({
  disallowUserRegistration: flag, disallowPasswordAuth: flag, disallowChangeUsername: flag, disallowChangeNickname: flag, allowUsernameChange: flag,
  secondFactorRequirement: z.enum(['OPTIONAL', 'ADMINS', 'EVERYONE']),
  weekStartDayOffset: z.coerce.number().int().min(-6).max(6),
  title: z.string().max(256).default(''), description: z.string().max(1024).default(''), logoUrl: z.string().max(2048).default(''),
});

export function submitSettings(deps: Deps): RequestHandler {
  return async (req, res) => {
    const { title, description, logoUrl, ...rest } = parseInput(settingsForm, req.body);
    const patch = { ...rest, customProfile: { title, description, logoUrl } };
    await deps.store.transaction((tx) => patchGeneralSetting(tx.settings, patch));
    await recordAudit(deps, 'settings.updated', originOf(req), { actorUserId: requirePrincipal(res).user.id, subject: 'GENERAL', detail: { fields: Object.keys(patch).join(',') } });
    redirectWithFlash(req, res, '/admin/settings', 'Settings saved.');
  };
}
