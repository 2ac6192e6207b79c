// The groups a signed upstream identity carries. Groups themselves (issue 15 items 1-2: the providers' `groups`
// claim, local groups) are another branch's work; this one function is where the assertion reads them.
import type { Identity } from '../forward-auth/identity.js';

/** The identity's groups; [] until groups are stored per identity (work/groups). */
export function upstreamGroupsOf(_identity: Identity): readonly string[] {
  return [];
}
