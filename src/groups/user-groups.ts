// A user's groups as the API shows them, and an admin replacing the local ones: names checked (group-name.ts),
// stored as one source, announced ('groups-changed': verify caches read them again at once on this replica).
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import { isValidGroupName, MAX_GROUPS_PER_SOURCE, sortedGroups, unionGroups } from './group-name.js';
import { LOCAL_SOURCE, type UserGroups } from './group-repository.js';

export function toUserGroupsJson(groups: UserGroups) {
  return {
    groups: unionGroups(groups.local, ...groups.upstream.map((u) => u.groups)),
    localGroups: [...groups.local],
    upstreamGroups: groups.upstream.map((u) => ({ identityProvider: `identity-providers/${u.provider}`, groups: [...u.groups] })),
  };
}

/** Every problem at once (400 with one violation per bad name). */
export function requireLocalGroupNames(names: readonly string[]): string[] {
  const violations = names.flatMap((name, i) =>
    isValidGroupName(name) ? [] : [{ field: `localGroups[${i}]`, description: 'is not a group name (1-256 visible ASCII characters, inner spaces allowed, no comma)' }],
  );
  if (violations.length > 0) throw invalidArgument(`invalid group name: ${violations[0]!.field}`, violations);
  const unique = sortedGroups(names);
  if (unique.length > MAX_GROUPS_PER_SOURCE) throw invalidArgument(`at most ${MAX_GROUPS_PER_SOURCE} local groups`, [{ field: 'localGroups', description: `at most ${MAX_GROUPS_PER_SOURCE}` }]);
  return unique;
}

export interface LocalGroupsChange {
  before: string[];
  after: string[];
  groups: UserGroups;
}

export async function replaceLocalGroups(deps: Pick<Deps, 'clock' | 'events' | 'store'>, userId: number, names: readonly string[]): Promise<LocalGroupsChange> {
  const after = requireLocalGroupNames(names);
  const before = (await deps.store.groups.listForUser(userId)).local;
  if (await deps.store.groups.replace(userId, LOCAL_SOURCE, after, deps.clock.now())) deps.events.emit('groups-changed', userId);
  return { before, after, groups: await deps.store.groups.listForUser(userId) };
}
