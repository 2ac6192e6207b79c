// The events one part of the gateway announces and others listen to (deps.events), e.g. caches that must forget
// a revoked session at once. Its own module so listeners need not import the composition root.
export interface GatewayEvents {
  'sessions-revoked': [sessionIds: string[]];
  'user-changed': [userId: number];
  /** Personal access tokens deleted (revoked one by one, or all of a user's at once). */
  'pats-revoked': [userId: number, tokenIds: string[]];
  /** A user's groups changed (an admin's local groups, or a sign-in that brought other upstream groups). */
  'groups-changed': [userId: number];
}
