// Which session (device) a request comes from, so "revoke my other sessions" can spare it. Evidence, in order:
//  0. the access token's `sid` claim, checked live by the bearer middleware;
//  1. the access token: every refresh row records the SHA-256 of the access token issued with it, so a
//     bearer-only call names its session (a fallback: every token now carries `sid`, which makes it unique);
//  2. the `sso_session` cookie (Path=/, so browsers send it to the API), then the `memos_refresh` cookie.
// A personal access token belongs to no session. Every candidate must be a live session of the caller.
import type { Deps } from '../deps.js';
import type { Principal } from '../auth/principal.js';
import { sha256Hex } from '../auth/secrets.js';
import { findSessionIdOfRefreshToken, findSessionIdOfSsoToken } from './session-lifecycle.js';

export interface SessionEvidence {
  bearer: string | null;
  ssoCookie: string | null;
  refreshCookie: string | null;
}

export async function findCallerSessionId(deps: Pick<Deps, 'clock' | 'config' | 'events' | 'keys' | 'logger' | 'store'>, principal: Principal, evidence: SessionEvidence): Promise<string | null> {
  if (principal.via !== 'access-token') return null;
  if (principal.session) return principal.session.id;
  const userId = principal.user.id;
  if (evidence.bearer) {
    const ids = await deps.store.refreshTokens.listSessionIdsByAccessTokenHash(sha256Hex(evidence.bearer));
    if (ids.length === 1 && (await isLiveSessionOf(deps, ids[0]!, userId))) return ids[0]!;
  }
  const fromCookies = [
    evidence.ssoCookie ? await findSessionIdOfSsoToken(deps, evidence.ssoCookie) : null,
    evidence.refreshCookie ? await findSessionIdOfRefreshToken(deps, evidence.refreshCookie) : null,
  ];
  for (const id of fromCookies) {
    if (id && (await isLiveSessionOf(deps, id, userId))) return id;
  }
  return null;
}

async function isLiveSessionOf(deps: Pick<Deps, 'clock' | 'config' | 'events' | 'keys' | 'logger' | 'store'>, sessionId: string, userId: number): Promise<boolean> {
  const session = await deps.store.sessions.findById(sessionId);
  return session !== null && session.userId === userId && session.revokedAt === null && session.expiresAt > deps.clock.now();
}
