// Failures while talking to an identity provider, translated once into SsoErrors that name the provider and
// never carry its response text (that goes to the log only): the provider refused the code (400), its answer
// failed verification (400), or it could not be reached or answered nonsense (502).
import * as oidc from 'openid-client';
import { AppError } from '../errors.js';
import type { IdentityProvider } from './identity-provider.js';
import { SsoError } from './sso-errors.js';

export const providerName = (idp: IdentityProvider) => idp.title || idp.uid;

/** The provider answered the token request with an OAuth error (RFC 6749 §5.2). */
export class ProviderRejectedError extends Error {
  constructor(readonly error: string, readonly status: number) {
    super(`token endpoint answered ${status} ${error}`);
    this.name = 'ProviderRejectedError';
  }
}

/** The provider's answer was well-formed but failed a check (issuer, subject, type). */
export class ProviderVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderVerificationError';
  }
}

// Client misconfiguration is the admin's problem, not the user's code: report it as the provider failing.
const CLIENT_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'incorrect_client_credentials']);
const VERIFICATION_CODES = new Set([
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_KEY_SELECTION_FAILED',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWS_INVALID',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
]);

function codeRejected(idp: IdentityProvider, cause: unknown): SsoError {
  const name = providerName(idp);
  return new SsoError('INVALID_ARGUMENT', 'CODE_REJECTED', `identity provider "${name}" rejected the authorization code`, { provider: name, cause });
}

function verificationFailed(idp: IdentityProvider, cause: unknown): SsoError {
  const name = providerName(idp);
  return new SsoError('INVALID_ARGUMENT', 'RESPONSE_INVALID', `the response of identity provider "${name}" failed verification`, { provider: name, cause });
}

export function providerUnavailable(idp: IdentityProvider, cause: unknown): SsoError {
  const name = providerName(idp);
  return new SsoError('BAD_GATEWAY', 'PROVIDER_UNAVAILABLE', `identity provider "${name}" is unavailable or answered unexpectedly`, { provider: name, cause });
}

export function translateProviderError(idp: IdentityProvider, err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ProviderRejectedError) {
    return CLIENT_ERRORS.has(err.error) || err.status >= 500 ? providerUnavailable(idp, err) : codeRejected(idp, err);
  }
  if (err instanceof ProviderVerificationError) return verificationFailed(idp, err);
  if (err instanceof oidc.ResponseBodyError) {
    return CLIENT_ERRORS.has(err.error) || err.status >= 500 ? providerUnavailable(idp, err) : codeRejected(idp, err);
  }
  const code = (err as { code?: unknown } | null)?.code;
  const causeCode = ((err as { cause?: { code?: unknown } } | null)?.cause)?.code;
  if (typeof code === 'string' && VERIFICATION_CODES.has(code)) return verificationFailed(idp, err);
  if (typeof causeCode === 'string' && VERIFICATION_CODES.has(causeCode)) return verificationFailed(idp, err);
  return providerUnavailable(idp, err);
}
