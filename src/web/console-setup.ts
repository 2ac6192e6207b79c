// First run: while the instance has no user, /auth shows "Create the administrator account" instead of the
// sign-in form; POST /auth/setup creates it through the race-safe first-admin path (users/create-user.ts, which
// here creates the administrator or nothing) and signs the browser in. A browser that lost the race is told to sign in.
import type { RequestHandler } from 'express';
import { originOf, recordAudit } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { AppError, permissionDenied } from '../errors.js';
import { completeSignIn } from '../sessions/complete-sign-in.js';
import { createUser } from '../users/create-user.js';
import { usernameSchema } from '../users/username.js';
import { html, sendPage, type SafeHtml } from './html.js';
import { isCrossSite } from './signin-handlers.js';

export const SETUP_ERRORS = {
  setup_done: 'The administrator account already exists. Please sign in.',
  setup_mismatch: 'The two passwords are not the same.',
  setup_invalid: 'Please choose a username (letters, digits, dashes) and a password.',
  setup_weak: 'This password is not accepted. Please choose a longer one.',
} as const;

export function renderSetupPage(csrfToken: string, error: string | null): SafeHtml {
  const message = error !== null && Object.hasOwn(SETUP_ERRORS, error) ? SETUP_ERRORS[error as keyof typeof SETUP_ERRORS] : null;
  return html`<h1>Create the administrator account</h1>
<p class="muted">This instance has no account yet. The first account administers it.</p>
${message ? html`<p class="alert" role="alert" id="error">${message}</p>` : ''}
<form id="setup-form" method="post" action="/auth/setup">
<input type="hidden" name="_csrf" value="${csrfToken}">
<label>Username <input type="text" id="setup-username" name="username" autocomplete="username" required autofocus></label>
<label>Password <input type="password" id="setup-password" name="password" autocomplete="new-password" required></label>
<label>Password again <input type="password" id="setup-password2" name="password2" autocomplete="new-password" required></label>
<button class="button primary" id="setup" type="submit">Create the administrator account</button>
</form>`;
}

export function showSetupPage(deps: Deps, res: Parameters<RequestHandler>[1], error: unknown): void {
  sendPage(res, deps.config, 200, 'Create the administrator account', renderSetupPage(String(res.locals.csrfToken ?? ''), typeof error === 'string' ? error : null));
}

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

export function submitSetupForm(deps: Deps): RequestHandler {
  return async (req, res) => {
    const back = (error: keyof typeof SETUP_ERRORS) => res.redirect(303, `/auth?error=${error}`);
    // Refused like every console form (web/console-request.ts): another site, or no token of this browser session.
    if (isCrossSite(req, deps.config) || field(req.body, '_csrf') === '' || field(req.body, '_csrf') !== req.session?.csrfToken) throw permissionDenied('cross-site form post refused');
    const username = usernameSchema.safeParse(field(req.body, 'username'));
    const password = field(req.body, 'password');
    if (!username.success || password === '' || password.length > 1024) return back('setup_invalid');
    if (password !== field(req.body, 'password2')) return back('setup_mismatch');
    let admin;
    try {
      admin = await createUser(deps, null, { username: username.data, password, email: '', displayName: '' }, { firstAdminOnly: true });
    } catch (err) {
      if (err instanceof AppError && err.code === 'FAILED_PRECONDITION') return back('setup_done');
      if (err instanceof AppError && err.code === 'INVALID_ARGUMENT') return back('setup_weak');
      throw err;
    }
    await recordAudit(deps, 'user.created', originOf(req), { actorUserId: null, subjectUserId: admin.id, subject: admin.username, detail: { role: admin.role } });
    await completeSignIn(deps, req, res, admin);
    res.redirect(303, '/account');
  };
}

/** GET /: the console for a signed-in browser, the sign-in page otherwise. */
export function rootRedirect(): RequestHandler {
  return (_req, res) => {
    res.redirect(302, res.locals.principal ? '/account' : '/auth');
  };
}
