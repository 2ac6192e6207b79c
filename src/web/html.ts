// Server-rendered HTML without a framework: an `html` template tag that escapes every interpolated value
// (unless it is already SafeHtml), the page layout, and the Content-Security-Policy the pages are sent with
// (no scripts at all; styles from the gateway's own stylesheet).
import type { Response } from 'express';
import type { Config } from '../config.js';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Value = SafeHtml | string | number | null | undefined | false | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

export const STYLESHEET_PATH = '/auth/assets/gateway.css';

/** The pages that run a ceremony load the WebAuthn library and the gateway's own script (web/assets.ts), never inline. */
export const PAGE_SCRIPTS = ['/auth/assets/webauthn.js', '/auth/assets/passkeys.js'] as const;

export function renderPage(title: string, body: SafeHtml, scripts = false): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
${scripts ? PAGE_SCRIPTS.map((src) => html`<script src="${src}" defer></script>
`) : ''}</head>
<body>
<main class="card">
${body}
</main>
</body>
</html>
`.value;
}

/**
 * The pages' CSP. `form-action` must also allow the hosts return URLs may point to: browsers apply it to the
 * redirect that follows the password form.
 */
export function pageCsp(config: Pick<Config, 'allowedRedirectHosts' | 'instanceOrigin'>, scripts = false): string {
  const formTargets = config.allowedRedirectHosts.flatMap((entry) => {
    if (entry.startsWith('.')) return [`${entry.slice(1)}:*`, `*${entry}:*`];
    return [entry.includes(':') ? entry : `${entry}:*`];
  });
  return [
    "default-src 'none'",
    "style-src 'self'",
    // Only the gateway's own files, and fetch() only to itself: no inline script, no eval.
    ...(scripts ? ["script-src 'self'", "connect-src 'self'"] : []),
    "img-src 'self' data:",
    `form-action 'self' ${formTargets.join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
    ...(config.instanceOrigin.startsWith('https:') ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

export function sendPage(res: Response, config: Config, status: number, title: string, body: SafeHtml, options: { scripts?: boolean } = {}): void {
  const scripts = options.scripts === true;
  res.status(status);
  res.setHeader('Content-Security-Policy', pageCsp(config, scripts));
  // Same-origin rather than helmet's no-referrer: with no-referrer browsers send `Origin: null` on the form post.
  res.setHeader('Referrer-Policy', 'same-origin');
  res.type('html').send(renderPage(title, body, scripts));
}
