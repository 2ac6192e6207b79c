// Failures of an SSO sign-in. Each is an AppError (status and JSON body as everywhere) that also carries a
// stable `reason` the sign-in pages turn into a fixed sentence, so no provider text ever reaches a person.
import { AppError, type ErrorCode } from '../errors.js';

export type SsoReason =
  | 'FLOW_INVALID'
  | 'PROVIDER_NOT_FOUND'
  | 'PROVIDER_DENIED'
  | 'PROVIDER_ERROR'
  | 'CODE_REJECTED'
  | 'RESPONSE_INVALID'
  | 'PROVIDER_UNAVAILABLE'
  | 'IDENTIFIER_MISSING'
  | 'IDENTIFIER_NOT_ALLOWED'
  | 'GROUPS_NOT_ALLOWED'
  | 'REGISTRATION_CLOSED'
  | 'USER_ARCHIVED';

export class SsoError extends AppError {
  declare readonly reason: SsoReason;
  /** Display name of the provider involved, for the page; never provider-supplied text. */
  readonly provider: string | null;
  /** Where the browser was headed, when the flow record was already read (for the "try again" link). */
  returnTo: string | null = null;

  constructor(code: ErrorCode, reason: SsoReason, message: string, options: { provider?: string; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? { reason } : { reason, cause: options.cause });
    this.name = 'SsoError';
    this.provider = options.provider ?? null;
  }
}

/** Unknown, replayed, expired or foreign state: one answer for all, so none can be told apart. */
export const flowInvalid = () =>
  new SsoError('INVALID_ARGUMENT', 'FLOW_INVALID', 'invalid or expired sign-in state; start the sign-in again');

export const identifierNotAllowed = (identifier: string, provider: string) =>
  new SsoError('PERMISSION_DENIED', 'IDENTIFIER_NOT_ALLOWED', `identifier ${identifier} is not allowed`, { provider });

export const groupsNotAllowed = (identifier: string, provider: string) =>
  new SsoError('PERMISSION_DENIED', 'GROUPS_NOT_ALLOWED', `identifier ${identifier} is in no allowed group`, { provider });

export const registrationClosed = (provider: string) =>
  new SsoError('PERMISSION_DENIED', 'REGISTRATION_CLOSED', 'user registration is not allowed', { provider });
