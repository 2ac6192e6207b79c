// Memos' field mapping over the provider's claims: top-level claims only. The identifier must be a non-empty
// string or an integer (GitHub's numeric `id` becomes "12345"); anything else (missing, null, object, array)
// is unusable, so no account is ever named "undefined" or "[object Object]". Optional fields fall back to
// empty (display name: to the identifier, as in Memos). The link key and the proposed username may be different
// claims (GitHub: immutable `id` links, `login` names); without a `username` mapping the identifier is both.
import type { FieldMapping } from './identity-provider.js';
import { findUpstreamGroups } from './upstream-groups.js';

export const MAX_IDENTIFIER_LENGTH = 256;
const MAX_TEXT = 256;
const MAX_URL = 2048;

export interface ExternalProfile {
  identifier: string;
  displayName: string;
  email: string;
  /** The provider vouched for `email` (OpenID Connect `email_verified: true` beside a mapped `email` claim). */
  emailVerified: boolean;
  avatarUrl: string;
  /** Proposed username at sign-up (never a link key). */
  username: string;
  /** The groups the provider sent (fieldMapping.groups; sorted), [] when it sends none. */
  groups: string[];
}

export type Claims = Record<string, unknown>;

function claimText(claims: Claims, name: string): string | null {
  if (name === '' || !Object.hasOwn(claims, name)) return null;
  const value = claims[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max).join('') : text;
}

function webUrlOrEmpty(text: string | null): string {
  if (!text || text.length > MAX_URL) return '';
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? text : '';
  } catch {
    return '';
  }
}

/** The identifier claim as the link key, or null when the provider did not send a usable one. */
export function findIdentifier(claims: Claims, mapping: FieldMapping): string | null {
  const identifier = claimText(claims, mapping.identifier);
  if (identifier === null || identifier.length === 0 || identifier.length > MAX_IDENTIFIER_LENGTH) return null;
  // MySQL/MariaDB compare with PAD SPACE: "alice " would find the link of "alice" (security catalogue F.58).
  if (identifier.endsWith(' ')) return null;
  return identifier;
}

export function mapProfile(claims: Claims, mapping: FieldMapping, identifier: string): ExternalProfile {
  const displayName = claimText(claims, mapping.displayName);
  const email = claimText(claims, mapping.email);
  const username = claimText(claims, mapping.username ?? '');
  const mappedEmail = email && email.length <= MAX_TEXT ? email : '';
  // email_verified speaks of the `email` claim only; some providers send the string "true" (AWS Cognito).
  const verified = claims.email_verified === true || claims.email_verified === 'true';
  return {
    identifier,
    username: username && username.length > 0 && username.length <= MAX_TEXT ? username : identifier,
    displayName: truncate(displayName && displayName.length > 0 ? displayName : identifier, MAX_TEXT),
    email: mappedEmail,
    emailVerified: mappedEmail !== '' && mapping.email === 'email' && verified,
    avatarUrl: webUrlOrEmpty(claimText(claims, mapping.avatarUrl)),
    groups: findUpstreamGroups(claims, mapping.groups ?? ''),
  };
}
