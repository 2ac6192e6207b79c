// The record of one browser sign-in in progress: everything the callback needs and nothing the browser may
// change. Kept in the ephemeral store for ten minutes under its random `state`, taken with getAndDelete so it
// works exactly once (RFC 6749 §10.12), and bound to the starting browser through the hash of a cookie value.
import type { EphemeralStore } from '../state/ephemeral-store.js';

export const FLOW_TTL_MS = 10 * 60 * 1000;
/** 256-bit base64url, as randomToken() makes them. */
const STATE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface FlowRecord {
  state: string;
  /** PKCE verifier (RFC 7636 §4.1); lives only here and in the token request. */
  codeVerifier: string;
  /** OpenID Connect nonce, null for plain OAuth2 providers. */
  nonce: string | null;
  /** The identity provider's uid. */
  idp: string;
  /** Checked return URL. */
  returnTo: string;
  /** SHA-256 hex of the browser's binding cookie. */
  binding: string;
  /** Epoch ms. */
  createdAt: number;
  /** Set when a signed-in user links this provider to their account (sso/linked-identities.ts), not signing in. */
  linkUserId?: number;
}

const keyOf = (state: string) => `sso:flow:${state}`;

export function isWellFormedState(state: unknown): state is string {
  return typeof state === 'string' && STATE_SHAPE.test(state);
}

export async function saveFlowRecord(store: EphemeralStore, record: FlowRecord): Promise<void> {
  await store.set(keyOf(record.state), JSON.stringify(record), FLOW_TTL_MS);
}

/** Removes and returns the record; of concurrent callers exactly one gets it. */
export async function takeFlowRecord(store: EphemeralStore, state: string): Promise<FlowRecord | null> {
  const raw = await store.getAndDelete(keyOf(state));
  if (raw === null) return null;
  const record = JSON.parse(raw) as FlowRecord;
  return record.state === state ? record : null;
}
