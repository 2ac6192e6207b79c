// The sign-in page: one button per identity provider (a plain link, so it works without JavaScript), the
// password form unless password sign-in is off, and at most one fixed error sentence.
import { html, type SafeHtml } from './html.js';

export interface SignInPageModel {
  heading: string;
  providers: { uid: string; title: string }[];
  passwordEnabled: boolean;
  /** Checked return URL, '/' when none was given. */
  returnTo: string;
  errorMessage: string | null;
}

export function providerStartUrl(uid: string, returnTo: string): string {
  const base = `/auth/sso/${encodeURIComponent(uid)}`;
  return returnTo === '/' ? base : `${base}?${new URLSearchParams({ redirect: returnTo })}`;
}

export function renderSignInPage(m: SignInPageModel): SafeHtml {
  const providers = m.providers.map(
    (p) => html`<li><a class="button" id="sso-${p.uid}" href="${providerStartUrl(p.uid, m.returnTo)}">Continue with ${p.title || p.uid}</a></li>`,
  );
  const password = m.passwordEnabled
    ? html`${m.providers.length > 0 ? html`<p class="divider">or sign in with a password</p>` : ''}
<form id="password-form" method="post" action="/auth/signin">
<input type="hidden" name="redirect" value="${m.returnTo}">
<label>Username <input type="text" id="username" name="username" autocomplete="username webauthn" required autofocus></label>
<label>Password <input type="password" id="password" name="password" autocomplete="current-password" required></label>
<button class="button primary" id="signin" type="submit">Sign in</button>
</form>`
    : '';
  // Passkeys (web/assets.ts runs the ceremony): a discoverable credential names its user, so no username first.
  const passkey = html`<p class="divider">or</p>
<button class="button" type="button" id="passkey-signin" data-passkey="signin" data-endpoint="/auth/passkey" data-redirect="${m.returnTo}">Sign in with a passkey</button>
<p class="alert" role="alert" id="passkey-status" hidden></p>`;
  return html`<h1>${m.heading}</h1>
${m.errorMessage ? html`<p class="alert" role="alert" id="error">${m.errorMessage}</p>` : ''}
${m.providers.length > 0 ? html`<ul class="providers">${providers}</ul>` : ''}
${password}${passkey}`;
}
