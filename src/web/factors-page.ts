// The signed-in person's second factors: TOTP, each passkey (name, added, last used) with a remove button, the
// recovery codes left, and "Add a passkey" (web/assets.ts runs the ceremony; new recovery codes appear once).
import { html, type SafeHtml } from './html.js';

export interface FactorsPageModel {
  username: string;
  totpEnabled: boolean;
  passkeys: { id: number; name: string; createdAt: string; lastUsedAt: string | null }[];
  recoveryCodesRemaining: number;
}

export function renderFactorsPage(m: FactorsPageModel): SafeHtml {
  const passkeys = m.passkeys.map(
    (p) => html`<li class="factor" id="passkey-${p.id}"><span class="passkey-name">${p.name}</span>
<span class="muted">added ${p.createdAt}${p.lastUsedAt ? html`, last used ${p.lastUsedAt}` : ''}</span>
<button class="button" type="button" id="remove-passkey-${p.id}" data-remove="/auth/factors/passkeys/${String(p.id)}/delete">Remove</button></li>`,
  );
  const totp = m.totpEnabled
    ? html`<li class="factor" id="totp"><span>Authenticator app (TOTP)</span>
<button class="button" type="button" id="remove-totp" data-remove="/auth/factors/totp/delete">Remove</button></li>`
    : '';
  const none = m.passkeys.length === 0 && !m.totpEnabled ? html`<li class="muted" id="no-factors">No second factor yet.</li>` : '';
  return html`<h1>Second factors</h1>
<p class="muted">Signed in as ${m.username}. Removing a factor signs you out on your other devices.</p>
<ul class="factors" id="factors">${totp}${passkeys}${none}</ul>
<p class="muted" id="recovery-codes-remaining">Recovery codes left: ${String(m.recoveryCodesRemaining)}</p>
<label>Passkey name <input type="text" id="passkey-name" maxlength="64" value="Passkey"></label>
<button class="button primary" type="button" id="passkey-register" data-passkey="register" data-endpoint="/auth/factors/passkeys">Add a passkey</button>
<p class="alert" role="alert" id="passkey-status" hidden></p>
<div id="recovery-codes-box" hidden><p>Each recovery code signs you in once if you lose your passkeys. They are shown only now.</p>
<ul id="recovery-codes"></ul><p><a class="button" id="continue" href="/auth/factors">Continue</a></p></div>`;
}
