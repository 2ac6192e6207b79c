// Checks a provider before it is saved and reports every problem at once (400 with one field violation each):
// required fields, URLs the gateway may call, scope syntax, redirect URIs, a title without control characters,
// and an identifierFilter that compiles as RE2. An `issuer` (OpenID Connect) stands in for the endpoint URLs.
import { invalidArgument, type FieldViolation } from '../errors.js';
import { findFilterProblem } from './identifier-filter.js';
import type { OAuth2Config } from './identity-provider.js';
import type { OAuth2ConfigInput } from './idp-input.js';
import { findProviderUrlProblem, type UrlConfig } from './provider-url.js';
import { findRedirectUriProblem } from './redirect-uri.js';


// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const CLAIM_NAME = /^[\x21-\x7E]{0,128}$/;
/** A claim path: names joined by dots (`realm_access.roles`), or one name (`https://example.com/groups`). */
const CLAIM_PATH = /^(?:[\x21-\x7E]{1,128})?$/;
const CONFIG = 'config.oauth2Config';

export interface Checked<T> {
  value: T;
  violations: FieldViolation[];
}

/** The config to store from `input`; an empty clientSecret keeps `stored`'s (Memos). */
export function checkOAuth2Config(config: UrlConfig, input: OAuth2ConfigInput, stored: OAuth2Config | null): Checked<OAuth2Config> {
  const violations: FieldViolation[] = [];
  const add = (field: string, description: string) => violations.push({ field: `${CONFIG}.${field}`, description });

  const clientSecret = input.clientSecret !== '' ? input.clientSecret : stored?.clientSecret ?? '';
  if (input.clientId.trim() === '') add('clientId', 'is required');
  if (clientSecret === '') add('clientSecret', 'is required');

  const oidc = input.issuer !== '';
  if (oidc) {
    const problem = findProviderUrlProblem(config, input.issuer);
    if (problem) add('issuer', problem);
  }
  for (const field of ['authUrl', 'tokenUrl', 'userInfoUrl'] as const) {
    const value = input[field];
    if (value === '') {
      if (!oidc) add(field, 'is required (or set issuer for OpenID Connect discovery)');
      continue;
    }
    const problem = findProviderUrlProblem(config, value);
    if (problem) add(field, problem);
  }
  input.scopes.forEach((scope, i) => {
    if (!SCOPE_TOKEN.test(scope)) add(`scopes[${i}]`, 'is not a valid OAuth scope');
  });
  if (input.fieldMapping.identifier === '') add('fieldMapping.identifier', 'is required');
  for (const key of ['identifier', 'displayName', 'email', 'avatarUrl', 'username'] as const) {
    if (!CLAIM_NAME.test(input.fieldMapping[key])) add(`fieldMapping.${key}`, 'is not a claim name');
  }
  const groupsPath = input.fieldMapping.groups;
  if (groupsPath !== '' && (!CLAIM_PATH.test(groupsPath) || groupsPath.split('.').includes(''))) add('fieldMapping.groups', 'is not a claim path (names joined by dots)');
  input.redirectUris.forEach((uri, i) => {
    const problem = findRedirectUriProblem(uri);
    if (problem) add(`redirectUris[${i}]`, problem);
  });

  return {
    violations,
    value: {
      clientId: input.clientId.trim(),
      clientSecret,
      authUrl: input.authUrl,
      tokenUrl: input.tokenUrl,
      userInfoUrl: input.userInfoUrl,
      scopes: oidc && !input.scopes.includes('openid') ? ['openid', ...input.scopes] : [...input.scopes],
      fieldMapping: { ...input.fieldMapping },
      issuer: input.issuer,
      redirectUris: [...input.redirectUris],
      tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
      requireSecondFactor: input.requireSecondFactor,
      endSessionAtProvider: input.endSessionAtProvider,
    },
  };
}

export function checkIdentifierFilter(pattern: string): FieldViolation[] {
  const problem = findFilterProblem(pattern);
  return problem ? [{ field: 'identifierFilter', description: problem }] : [];
}

export function checkGroupFilter(pattern: string): FieldViolation[] {
  const problem = findFilterProblem(pattern);
  return problem ? [{ field: 'groupFilter', description: problem }] : [];
}

export function checkTitle(title: string): FieldViolation[] {
  return /[\u0000-\u001f\u007f]/.test(title) ? [{ field: 'title', description: 'must not contain control characters' }] : [];
}

/** One 400 naming the first offending field, with every violation in the details. */
export function throwIfViolations(violations: FieldViolation[]): void {
  const first = violations[0];
  if (!first) return;
  const message = first.field === 'identifierFilter' || first.field === 'groupFilter'
    ? `invalid ${first.field}: ${first.description}`
    : `invalid identity provider: ${first.field}: ${first.description}`;
  throw invalidArgument(message, violations);
}
