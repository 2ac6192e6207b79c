// WebAuthn challenges: each ceremony's challenge is a record in the ephemeral store for 5 minutes, keyed by the
// challenge itself, bound to what asked for it (a browser session, a pending sign-in, a signed-in user) and taken
// with get-and-delete, so a challenge verifies at most once (WebAuthn §13.4.3) and only for whoever asked.
import { sha256Hex } from '../auth/secrets.js';
import type { Deps } from '../deps.js';
import { unauthenticated } from '../errors.js';

export const WEBAUTHN_CHALLENGE_TTL_MS = 5 * 60 * 1000;

export type CeremonyPurpose = 'register' | 'sign-in' | 'second-factor';

export interface Ceremony {
  purpose: CeremonyPurpose;
  /** Who the ceremony is for: the registering or second-factor user; null for a discoverable sign-in. */
  userId: number | null;
  /** An opaque value naming the caller (hashed browser session id, mfaToken hash, user); compared on verify. */
  binding: string;
}

interface ChallengeRecord extends Ceremony {
  createdAtMs: number;
}

type ChallengeDeps = Pick<Deps, 'ephemeral' | 'clock'>;

const keyOf = (challenge: string) => `webauthn:${sha256Hex(challenge)}`;

export async function storeChallenge(deps: ChallengeDeps, challenge: string, ceremony: Ceremony): Promise<void> {
  const record: ChallengeRecord = { ...ceremony, createdAtMs: deps.clock.now().getTime() };
  await deps.ephemeral.set(keyOf(challenge), JSON.stringify(record), WEBAUTHN_CHALLENGE_TTL_MS);
}

/** The challenge the authenticator signed, read from clientDataJSON (checked again by the library). */
export function challengeOfClientData(clientDataJSON: string): string | null {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof data.challenge === 'string' && data.challenge.length <= 256 ? data.challenge : null;
  } catch {
    return null;
  }
}

const unknownChallenge = () => unauthenticated('passkey challenge is unknown, used or expired: start again');

/** Takes the challenge of a response (single use) and checks it was issued for this ceremony and caller. */
export async function takeChallenge(deps: ChallengeDeps, clientDataJSON: string, expected: Ceremony): Promise<string> {
  const challenge = challengeOfClientData(clientDataJSON);
  if (challenge === null) throw unknownChallenge();
  const value = await deps.ephemeral.getAndDelete(keyOf(challenge));
  if (value === null) throw unknownChallenge();
  const record = JSON.parse(value) as ChallengeRecord;
  if (deps.clock.now().getTime() - record.createdAtMs >= WEBAUTHN_CHALLENGE_TTL_MS) throw unknownChallenge();
  if (record.purpose !== expected.purpose || record.binding !== expected.binding || record.userId !== expected.userId) throw unknownChallenge();
  return challenge;
}

/** The API's passwordless sign-in: single use is the whole binding (no browser session to bind to). */
export const API_PASSKEY_BINDING = 'api';
/** A second-factor ceremony is bound to its pending sign-in. */
export const mfaBinding = (mfaToken: string) => `mfa:${sha256Hex(mfaToken)}`;
/** A browser ceremony is bound to the gw_browser session that asked for it. */
export const browserBinding = (browserSessionId: string) => `browser:${sha256Hex(browserSessionId)}`;
/** A registration is bound to the gateway session of the signed-in user. */
export const sessionBinding = (sessionId: string) => `session:${sessionId}`;
