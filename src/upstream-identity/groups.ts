// The groups a signed upstream identity carries: the identity's effective groups (local and from the providers,
// forward-auth/identity.ts), the same list as X-Auth-Request-Groups, sorted.
import type { Identity } from '../forward-auth/identity.js';

export function upstreamGroupsOf(identity: Identity): readonly string[] {
  return [...identity.groups].sort();
}
