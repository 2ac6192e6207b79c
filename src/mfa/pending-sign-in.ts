// A sign-in whose password step passed and whose second factor has not: an opaque `mfaToken` naming a record in
// the ephemeral store for 5 minutes, bound to that user, finished at most once (get-and-delete). No session,
// cookie or token exists until it is finished, so forward auth never sees a half-signed-in person.
import { randomToken, sha256Hex } from '../auth/secrets.js';
import type { Deps } from '../deps.js';

export const MFA_TOKEN_TTL_MS = 5 * 60 * 1000;

/** `pwd`: the password form or API; `fed`: an SSO sign-in through a provider with `requireSecondFactor`. */
export type FirstFactor = 'pwd' | 'fed';

export interface PendingSignIn {
  userId: number;
  /** `verify`: the user has a factor to present; `enroll`: the policy requires one the user does not have yet. */
  purpose: 'verify' | 'enroll';
  /** How the first step was passed (the `amr` of the finished sign-in starts with it). */
  firstFactor: FirstFactor;
  createdAtMs: number;
  /** Set when an `enroll` record's new factor was confirmed: that confirmation was the second factor. */
  enrolled?: boolean;
}

type PendingDeps = Pick<Deps, 'ephemeral' | 'clock'>;

const keyOf = (token: string) => `mfa:${sha256Hex(token)}`;

export async function createMfaToken(deps: PendingDeps, userId: number, purpose: PendingSignIn['purpose'], firstFactor: FirstFactor = 'pwd'): Promise<string> {
  const token = randomToken();
  const record: PendingSignIn = { userId, purpose, firstFactor, createdAtMs: deps.clock.now().getTime() };
  await deps.ephemeral.set(keyOf(token), JSON.stringify(record), MFA_TOKEN_TTL_MS);
  return token;
}

function parse(deps: PendingDeps, value: string | null): PendingSignIn | null {
  if (value === null) return null;
  const record = JSON.parse(value) as PendingSignIn;
  // The store's TTL is the bound; the clock check also holds when the store keeps a key a little longer.
  if (deps.clock.now().getTime() - record.createdAtMs >= MFA_TOKEN_TTL_MS) return null;
  return record;
}

export async function findPendingSignIn(deps: PendingDeps, token: string): Promise<PendingSignIn | null> {
  return parse(deps, await deps.ephemeral.get(keyOf(token)));
}

/** Takes the record (single use): of concurrent callers exactly one gets it. */
export async function takePendingSignIn(deps: PendingDeps, token: string): Promise<PendingSignIn | null> {
  return parse(deps, await deps.ephemeral.getAndDelete(keyOf(token)));
}

/** Marks an enrolment record as done, keeping its original expiry. */
export async function markEnrolled(deps: PendingDeps, token: string, record: PendingSignIn): Promise<void> {
  const left = record.createdAtMs + MFA_TOKEN_TTL_MS - deps.clock.now().getTime();
  if (left <= 0) return;
  await deps.ephemeral.set(keyOf(token), JSON.stringify({ ...record, enrolled: true }), left);
}
