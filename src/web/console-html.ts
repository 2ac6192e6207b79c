// The console's pages (/account, /admin, the first-run form): the layout with its navigation, the console's
// CSP (scripts only from the gateway's own static file: no inline script, no eval), its stylesheet and script.
import type { Response } from 'express';
import type { Config } from '../config.js';
import type { User } from '../users/user.js';
import { html, pageCsp, STYLESHEET_PATH, type SafeHtml } from './html.js';

export const CONSOLE_CSS_PATH = '/auth/assets/console.css';
export const CONSOLE_SCRIPT_PATH = '/auth/assets/console.js';

export interface ConsoleView {
  user: User | null;
  csrfToken: string;
  /** One fixed sentence after a POST-redirect-GET (from the browser session), or null. */
  flash?: { kind: 'ok' | 'error'; text: string } | null;
  active?: string;
}

/** The console CSP: the pages' CSP with `script-src 'self'` (console.js only). */
export function consoleCsp(config: Pick<Config, 'allowedRedirectHosts' | 'instanceOrigin'>): string {
  return pageCsp(config).replace("default-src 'none'", "default-src 'none'; script-src 'self'; connect-src 'self'");
}

function nav(view: ConsoleView): SafeHtml {
  if (!view.user) return html``;
  const link = (href: string, label: string, key: string) =>
    html`<li><a href="${href}"${view.active === key ? html` aria-current="page"` : ''}>${label}</a></li>`;
  const admin = view.user.role === 'ADMIN'
    ? [link('/admin/users', 'Users', 'users'), link('/admin/providers', 'Identity providers', 'providers'), link('/admin/audit', 'Audit log', 'audit'), link('/admin/settings', 'Settings', 'settings'), link('/admin/oidc-clients', 'OpenID apps', 'oidc')]
    : [];
  return html`<header class="top"><nav aria-label="Console"><ul>${link('/account', 'Account', 'account')}${admin}</ul></nav>
<form method="post" action="/console/signout" class="inline"><input type="hidden" name="_csrf" value="${view.csrfToken}">
<span class="who" id="who">${view.user.username}</span> <button class="button small" type="submit" id="signout">Sign out</button></form></header>`;
}

export function renderConsolePage(title: string, view: ConsoleView, body: SafeHtml): string {
  const flash = view.flash
    ? html`<p class="${view.flash.kind === 'ok' ? 'notice' : 'alert'}" role="${view.flash.kind === 'ok' ? 'status' : 'alert'}" id="flash">${view.flash.text}</p>`
    : '';
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<link rel="stylesheet" href="${CONSOLE_CSS_PATH}">
<script src="${CONSOLE_SCRIPT_PATH}" defer></script>
</head>
<body class="console">
${nav(view)}
<main class="wide" id="main">
<h1>${title}</h1>
${flash}
${body}
</main>
</body>
</html>
`.value;
}

export function sendConsolePage(res: Response, config: Config, status: number, title: string, view: ConsoleView, body: SafeHtml): void {
  res.status(status);
  res.setHeader('Content-Security-Policy', consoleCsp(config));
  res.setHeader('Referrer-Policy', 'same-origin');
  res.type('html').send(renderConsolePage(title, view, body));
}

/** A hidden CSRF field for a console form. */
export const csrfField = (token: string): SafeHtml => html`<input type="hidden" name="_csrf" value="${token}">`;

/** A one-button POST form (revoke, delete, …); `confirm` asks first (console.js). */
export function actionButton(action: string, label: string, token: string, options: { confirm?: string; id?: string; fields?: Record<string, string> } = {}): SafeHtml {
  const fields = Object.entries(options.fields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
  return html`<form method="post" action="${action}" class="inline"${options.confirm ? html` data-confirm="${options.confirm}"` : ''}>${csrfField(token)}${fields}<button class="button small" type="submit"${options.id ? html` id="${options.id}"` : ''}>${label}</button></form>`;
}

const CSS = `body.console{display:block;align-items:initial;background:#f4f5f7}
.top{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;justify-content:space-between;padding:.5rem 1rem;background:#fff;border-bottom:1px solid #d0d7de}
.top ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0;list-style:none}
.top a{color:#0550ae;text-decoration:underline}
.top a[aria-current=page]{font-weight:700;color:#1f2328}
.wide{max-width:60rem;margin:1rem auto;padding:1rem;background:#fff;border-radius:.75rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.wide h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.inline{display:inline}
.button.small{display:inline-block;width:auto;padding:.3rem .7rem;font-size:.9rem}
.notice{margin:0 0 1rem;padding:.75rem 1rem;border-radius:.5rem;background:#dafbe1;color:#116329;border:1px solid #aceebb}
table{width:100%;border-collapse:collapse;font-size:.9rem;display:block;overflow-x:auto}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top}
input[type=email],input[type=url],input[type=number],input[type=search],input[type=datetime-local],select,textarea{display:block;width:100%;margin-top:.25rem;padding:.5rem .6rem;border:1px solid #d0d7de;border-radius:.5rem;font:inherit}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.token{font-family:ui-monospace,monospace;word-break:break-all;background:#f6f8fa;padding:.5rem;border-radius:.4rem;display:block}
fieldset{border:1px solid #d0d7de;border-radius:.5rem;margin:0 0 1rem;padding:.75rem}
.who{font-weight:600}
svg.chart{width:100%;height:auto;max-width:56rem}
.muted{color:#57606a}
`;

const SCRIPT = `'use strict';
document.addEventListener('click', function (e) {
  var t = e.target;
  if (t instanceof Element && t.matches('[data-copy]')) {
    var el = document.getElementById(t.getAttribute('data-copy'));
    if (el && navigator.clipboard) navigator.clipboard.writeText(el.textContent || '').then(function () { t.textContent = 'Copied'; });
  }
});
document.addEventListener('submit', function (e) {
  var f = e.target;
  if (f instanceof HTMLFormElement && f.dataset.confirm && !window.confirm(f.dataset.confirm)) e.preventDefault();
});
`;

export const consoleStylesheet = (_req: unknown, res: Response): void => {
  res.setHeader('Cache-Control', 'public, max-age=3600');
  res.type('css').send(CSS);
};

export const consoleScript = (_req: unknown, res: Response): void => {
  res.setHeader('Cache-Control', 'public, max-age=3600');
  res.type('application/javascript').send(SCRIPT);
};
