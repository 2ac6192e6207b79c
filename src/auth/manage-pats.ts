// Creating, listing and revoking a user's personal access tokens. The plaintext exists only in the value
// returned by create; revocation deletes the row, so the very next use of the token finds nothing.
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { failedPrecondition } from '../errors.js';
import { generatePatSecret, type PersonalAccessToken } from './personal-access-token.js';
import { sha256Hex } from './secrets.js';

/** A bound on rows per user; Memos has none. */
export const MAX_PATS_PER_USER = 100;
export const MAX_EXPIRES_IN_DAYS = 36_500;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CreatedPat {
  /** The plaintext `memos_pat_…`: shown once, never stored. */
  token: string;
  pat: PersonalAccessToken;
}

/** Memos' rule: `expiresInDays` ≤ 0 (or absent) never expires; otherwise N whole days from now (UTC). */
export function expiryFromDays(now: Date, days: number | undefined): Date | null {
  if (days === undefined || days <= 0) return null;
  return new Date(now.getTime() + days * DAY_MS);
}

export async function createPersonalAccessToken(
  deps: Pick<Deps, 'clock' | 'events' | 'logger' | 'pats' | 'store'>,
  userId: number,
  input: { description: string; expiresAt: Date | null },
): Promise<CreatedPat> {
  if ((await deps.store.personalAccessTokens.countByUser(userId)) >= MAX_PATS_PER_USER) {
    throw failedPrecondition(`a user may hold at most ${MAX_PATS_PER_USER} personal access tokens; revoke some first`);
  }
  const token = generatePatSecret();
  const pat: PersonalAccessToken = {
    id: randomUUID(),
    userId,
    description: input.description,
    createdAt: deps.clock.now(),
    expiresAt: input.expiresAt,
    lastUsedAt: null,
  };
  await deps.store.personalAccessTokens.create({ ...pat, tokenHash: sha256Hex(token) });
  deps.logger.info({ event: 'pat_created', userId, tokenId: pat.id }, 'personal access token created');
  return { token, pat };
}

/** All of the user's tokens, expired ones included, oldest first; uses recorded on this replica are visible. */
export async function listPersonalAccessTokens(deps: Pick<Deps, 'clock' | 'events' | 'logger' | 'pats' | 'store'>, userId: number): Promise<PersonalAccessToken[]> {
  await deps.pats.settle();
  return deps.store.personalAccessTokens.listByUser(userId);
}

/** Idempotent, as in Memos: revoking a token the user does not have changes nothing and is not an error. */
export async function revokePersonalAccessToken(deps: Pick<Deps, 'clock' | 'events' | 'logger' | 'pats' | 'store'>, userId: number, tokenId: string): Promise<boolean> {
  const deleted = await deps.store.personalAccessTokens.delete(userId, tokenId);
  if (deleted) {
    deps.events.emit('pats-revoked', userId, [tokenId]);
    deps.logger.info({ event: 'pat_revoked', userId, tokenId }, 'personal access token revoked');
  }
  return deleted;
}
