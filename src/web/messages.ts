// Every sentence a person may read on the sign-in pages. Pages pick one by a fixed code (the `?error=` query,
// an SSO failure reason, an error code); nothing a caller or a provider sent is ever shown as a message.
import type { ErrorCode } from '../errors.js';
import type { SsoReason } from '../sso/sso-errors.js';

/** Codes the sign-in page accepts in `?error=`. */
export const PAGE_ERRORS = {
  invalid_credentials: 'The username or password is not correct.',
  missing_credentials: 'Please enter your username and password.',
  password_disabled: 'Signing in with a password is turned off here. Please use one of the sign-in options above.',
  account_archived: 'This account has been deactivated. Please contact an administrator.',
  too_many_attempts: 'Too many sign-in attempts. Please wait a moment and try again.',
  unavailable: 'Sign-in is temporarily unavailable. Please try again in a moment.',
  cross_site: 'This sign-in form was sent from another site and was ignored. Please sign in here.',
  session_expired: 'Your session has ended. Please sign in again.',
} as const;

export type PageError = keyof typeof PAGE_ERRORS;

export function findPageErrorMessage(code: unknown): string | null {
  return typeof code === 'string' && Object.hasOwn(PAGE_ERRORS, code) ? PAGE_ERRORS[code as PageError] : null;
}

/** `provider` is the admin-given provider title (escaped by the page), or null. */
export function ssoFailureMessage(reason: SsoReason, provider: string | null): string {
  const at = provider ? ` at ${provider}` : '';
  const name = provider ?? 'The identity provider';
  switch (reason) {
    case 'FLOW_INVALID':
      return 'This sign-in attempt is no longer valid: it expired, was already used, or was started in another browser. Please start again.';
    case 'PROVIDER_NOT_FOUND':
      return 'This sign-in option does not exist (any more). Please choose another one.';
    case 'PROVIDER_DENIED':
      return `Sign-in was cancelled${at}.`;
    case 'PROVIDER_ERROR':
      return `${name} could not complete the sign-in. Please try again.`;
    case 'CODE_REJECTED':
      return `${name} did not accept this sign-in. Please try again.`;
    case 'RESPONSE_INVALID':
      return `The answer from ${name} could not be verified, so you were not signed in. Please try again.`;
    case 'PROVIDER_UNAVAILABLE':
      return `${name} could not be reached or answered unexpectedly. Please try again in a moment.`;
    case 'IDENTIFIER_MISSING':
      return `${name} did not tell us which account you used, so you cannot be signed in with it.`;
    case 'IDENTIFIER_NOT_ALLOWED':
      return `Your account${at} is not allowed to sign in here.`;
    case 'GROUPS_NOT_ALLOWED':
      return `Your account${at} is in none of the groups allowed to sign in here.`;
    case 'REGISTRATION_CLOSED':
      return 'There is no account for you here yet, and new accounts cannot be created. Please ask an administrator.';
    case 'USER_ARCHIVED':
      return 'This account has been deactivated. Please contact an administrator.';
  }
}

export function errorCodeMessage(code: ErrorCode): string {
  switch (code) {
    case 'NOT_FOUND':
      return 'This page does not exist.';
    case 'UNAVAILABLE':
      return PAGE_ERRORS.unavailable;
    case 'RESOURCE_EXHAUSTED':
      return PAGE_ERRORS.too_many_attempts;
    case 'INVALID_ARGUMENT':
    case 'FAILED_PRECONDITION':
      return 'This request could not be understood. Please start again.';
    case 'PERMISSION_DENIED':
      return 'You are not allowed to do this.';
    default:
      return 'Something went wrong on our side. Please try again.';
  }
}
