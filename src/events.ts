// The events one part of the gateway announces and others listen to (deps.events), e.g. caches that must forget
// a revoked session at once. Its own module so listeners need not import the composition root.
export interface GatewayEvents {
  'sessions-revoked': [sessionIds: string[]];
  'user-changed': [userId: number];
  /** Personal access tokens deleted (revoked one by one, or all of a user's at once). */
  'pats-revoked': [userId: number, tokenIds: string[]];
  /** A user's groups changed (an admin's local groups, or a sign-in that brought other upstream groups). */
  'groups-changed': [userId: number];
  /** The signing-key ring changed (rotation): re-read it, and forget tokens verified with the old ring. */
  'keys-rotated': [];
  /** The event relay may have missed messages (its Redis subscriber reconnected): verify caches start over. */
  'caches-stale': [];
}

/** Events every replica and worker must see: state/event-relay.ts carries them over Redis pub/sub. */
export const RELAYED_EVENTS = ['sessions-revoked', 'user-changed', 'pats-revoked', 'keys-rotated', 'groups-changed'] as const;
