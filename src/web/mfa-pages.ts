// The sign-in page's second step (a code from the authenticator app, or a recovery code), the enrolment page a
// sign-in held back by the policy shows (QR code as inline SVG, the secret as text, a code to confirm), and the
// page that shows the new recovery codes once.
import { html, SafeHtml } from './html.js';

export const MFA_PAGE_ERRORS = {
  invalid_code: 'That code is not correct, or it was already used. Please try the next code.',
  too_many_attempts: 'Too many wrong codes. Please wait a moment and try again.',
  missing_code: 'Please enter a code.',
  cross_site: 'This form was sent from another site and was ignored.',
} as const;
export type MfaPageError = keyof typeof MFA_PAGE_ERRORS;

export function mfaPageErrorMessage(code: unknown): string | null {
  return typeof code === 'string' && Object.hasOwn(MFA_PAGE_ERRORS, code) ? MFA_PAGE_ERRORS[code as MfaPageError] : null;
}

const alert = (message: string | null) => (message ? html`<p class="alert" role="alert" id="error">${message}</p>` : '');

export function renderSecondFactorPage(m: { methods: string[]; errorMessage: string | null }): SafeHtml {
  const totp = m.methods.includes('TOTP')
    ? html`<form id="totp-form" method="post" action="/auth/mfa">
<label>Code from your authenticator app <input type="text" id="totp-code" name="totpCode" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" maxlength="6" required autofocus></label>
<button class="button primary" id="verify" type="submit">Verify</button>
</form>`
    : '';
  const recovery = m.methods.includes('RECOVERY_CODE')
    ? html`<details${m.methods.includes('TOTP') ? '' : new SafeHtml(' open')}><summary>Use a recovery code</summary>
<form id="recovery-form" method="post" action="/auth/mfa">
<label>Recovery code <input type="text" id="recovery-code" name="recoveryCode" autocomplete="off" maxlength="32" required></label>
<button class="button" id="verify-recovery" type="submit">Use recovery code</button>
</form></details>`
    : '';
  const passkey = m.methods.includes('PASSKEY')
    ? html`<p><button class="button${m.methods.includes('TOTP') ? '' : ' primary'}" type="button" id="passkey-verify" data-passkey="second-factor" data-endpoint="/auth/mfa/passkey">Use a passkey</button></p>
<p class="alert" role="alert" id="passkey-status" hidden></p>`
    : '';
  return html`<h1>Two-step verification</h1>
${alert(m.errorMessage)}
${passkey}${totp}${recovery}
<p><a href="/auth">Cancel</a></p>`;
}

export function renderEnrollmentPage(m: { secret: string; otpauthUri: string; qrSvg: SafeHtml | null; errorMessage: string | null }): SafeHtml {
  return html`<h1>Set up two-step verification</h1>
<p>This account needs a second factor. Scan the code with an authenticator app, or enter the key by hand.</p>
${alert(m.errorMessage)}
${m.qrSvg ? html`<div class="qr" id="qr">${m.qrSvg}</div>` : ''}
<p>Key: <code id="totp-secret">${m.secret}</code></p>
<p class="muted"><a id="otpauth-uri" href="${m.otpauthUri}">Open in an authenticator app</a></p>
<form id="enroll-form" method="post" action="/auth/mfa/enroll">
<label>Code from the app <input type="text" id="totp-code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" maxlength="6" required autofocus></label>
<button class="button primary" id="confirm" type="submit">Confirm</button>
</form>`;
}

export function renderRecoveryCodesPage(m: { codes: string[]; continueTo: string }): SafeHtml {
  return html`<h1>Save your recovery codes</h1>
<p>Each code signs you in once if you lose your authenticator. They are shown only now.</p>
<ul id="recovery-codes">${m.codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<p><a class="button primary" id="continue" href="${m.continueTo}">Continue</a></p>`;
}
