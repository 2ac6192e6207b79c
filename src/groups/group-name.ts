// What a group name may be, wherever it comes from (a provider's claim, GitHub's orgs and teams, an admin): 1–256
// visible ASCII characters, inner spaces allowed, no comma (X-Auth-Request-Groups is a comma-separated header
// value, so a comma would split one group into two). Names compare exactly (case-sensitive), as rules name them.
export const MAX_GROUP_NAME_LENGTH = 256;
/** Per source (one provider, or the local list): more are dropped (provider) or refused (admin). */
export const MAX_GROUPS_PER_SOURCE = 256;

const GROUP_NAME = /^[\x21-\x2b\x2d-\x7e](?:[\x20-\x2b\x2d-\x7e]*[\x21-\x2b\x2d-\x7e])?$/;

export function isValidGroupName(name: string): boolean {
  return name.length <= MAX_GROUP_NAME_LENGTH && GROUP_NAME.test(name);
}

/** Sorted, without duplicates: the one order groups are stored, compared and sent in. */
export function sortedGroups(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}

/** The groups of several sources as one list (a user's effective groups: local ∪ upstream). */
export function unionGroups(...lists: readonly (readonly string[])[]): string[] {
  return sortedGroups(lists.flat());
}
