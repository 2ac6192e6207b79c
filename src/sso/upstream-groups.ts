// The groups an identity provider sent, from the claim path of fieldMapping.groups: `groups` (OpenID Connect,
// GitLab, Entra ID's group object ids), `roles`, or a dotted path into nested claims (`realm_access.roles`); a
// top-level claim whose name has dots (`https://example.com/groups`) is taken as is. The value is an array of
// strings (integers become strings) or one string. Names groups/group-name.ts refuses (a comma, non-ASCII, too
// long) are dropped, as are those past MAX_GROUPS_PER_SOURCE; the rest come sorted and without duplicates.
import { isValidGroupName, MAX_GROUPS_PER_SOURCE, sortedGroups } from '../groups/group-name.js';
import { isIdentifierAllowed } from './identifier-filter.js';
import type { Claims } from './field-mapping.js';

function valueAt(claims: Claims, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let value: unknown = claims;
  for (const name of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

function asName(value: unknown): string | null {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

/** The provider's groups at `path` ('' = the provider sends none). */
export function findUpstreamGroups(claims: Claims, path: string): string[] {
  if (path === '') return [];
  const value = valueAt(claims, path);
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const names = items.map(asName).filter((n): n is string => n !== null && isValidGroupName(n));
  return sortedGroups(names).slice(0, MAX_GROUPS_PER_SOURCE);
}

/** groupFilter: empty lets everyone in; else at least one group must match (RE2, unanchored, as identifierFilter). */
export function isAnyGroupAllowed(pattern: string, groups: readonly string[]): boolean {
  if (pattern === '') return true;
  return groups.some((group) => isIdentifierAllowed(pattern, group));
}
