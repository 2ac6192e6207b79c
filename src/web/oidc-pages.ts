// The OpenID Provider's pages: consent, the RP-initiated logout question, "signed out", and protocol errors
// that cannot go back to the client. Same layout and stylesheet as the sign-in page; no scripts. Their CSP's
// form-action also names the client's origins, since browsers apply it to the redirect that follows the form.
import type { Response } from 'express';
import { html, renderPage, SafeHtml } from './html.js';

export function oidcPageCsp(formTargets: readonly string[]): string {
  return [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    `form-action 'self' ${[...new Set(formTargets)].join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function originsOf(urls: readonly string[]): string[] {
  return urls.flatMap((u) => {
    try {
      const url = new URL(u);
      return url.protocol === 'http:' || url.protocol === 'https:' ? [url.origin] : [];
    } catch {
      return [];
    }
  });
}

export const SCOPE_TEXT: Readonly<Record<string, string>> = {
  openid: 'Know who you are (your user id)',
  profile: 'Your username, name and picture',
  email: 'Your email address',
  groups: 'Your role (admin or user)',
  offline_access: 'Stay signed in to it when you are away (refresh tokens)',
};

export interface ConsentPageModel {
  clientName: string;
  username: string;
  scopes: string[];
  action: string;
  csrfToken: string;
}

export function renderConsentPage(m: ConsentPageModel): SafeHtml {
  return html`<h1>Allow ${m.clientName}?</h1>
<p class="muted">Signed in as ${m.username}. ${m.clientName} asks to:</p>
<ul id="scopes">${m.scopes.map((s) => html`<li data-scope="${s}">${SCOPE_TEXT[s] ?? s}</li>`)}</ul>
<form method="post" action="${m.action}">
<input type="hidden" name="csrf" value="${m.csrfToken}">
<button class="button primary" id="allow" type="submit" name="decision" value="allow">Allow</button>
<p></p>
<button class="button" id="deny" type="submit" name="decision" value="deny">Deny</button>
</form>`;
}

export function sendOidcPage(res: Response, status: number, title: string, body: SafeHtml, formTargets: readonly string[] = []): void {
  res.status(status);
  res.setHeader('Content-Security-Policy', oidcPageCsp(formTargets));
  res.setHeader('Referrer-Policy', 'same-origin');
  res.type('html').send(renderPage(title, body));
}

/** oidc-provider's logout form (a hidden xsrf field, id op.logoutForm) with the gateway's question around it. */
export function renderLogoutPage(providerForm: string): string {
  return renderPage('Sign out', html`<h1>Sign out?</h1>
<p class="muted">This ends your gateway session: every app you signed in to through it.</p>
${new SafeHtml(providerForm)}
<button class="button primary" id="logout" type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<p></p>
<button class="button" id="stay" type="submit" form="op.logoutForm">No, stay signed in</button>`);
}

export function renderLoggedOutPage(): string {
  return renderPage('Signed out', html`<h1>Signed out</h1><p class="muted" id="signed-out">You are signed out.</p>`);
}

/** A protocol error shown to the person (no redirect back is allowed): the OAuth error code, never a stack. */
export function renderProviderError(error: string, description: string | undefined): string {
  return renderPage('Sign-in failed', html`<h1>Sign-in failed</h1>
<p class="alert" role="alert" id="error" data-error="${error}">${error}${description ? html`: ${description}` : ''}</p>`);
}
