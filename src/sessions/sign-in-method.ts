// How a session's sign-in was proven (RFC 8176 `amr` values: `pwd`, `fed`; later `otp`, `hwk`), kept beside the
// session for its lifetime so the OpenID Provider can state it in ID tokens issued long after the sign-in.
import type { Deps } from '../deps.js';

export type SignInMethod = 'pwd' | 'fed';
const key = (sessionId: string) => `session-amr:${sessionId}`;

/**
 * Best effort: the session is already written, and a sign-in must not fail (nor leave a session behind a 503)
 * because the ephemeral store is down. Without the record the OpenID Provider states no `amr` for that session,
 * which claims nothing rather than something false.
 */
export async function rememberSignInMethod(deps: Pick<Deps, 'ephemeral' | 'config' | 'logger'>, sessionId: string, method: SignInMethod): Promise<void> {
  try {
    await deps.ephemeral.set(key(sessionId), method, deps.config.sessionMaxAgeMs);
  } catch (err) {
    deps.logger.warn({ event: 'sign_in_method_not_kept', sessionId, err: err instanceof Error ? err.message : String(err) }, 'the sign-in method was not kept (ephemeral store unavailable); ID tokens of this session carry no amr');
  }
}

export async function findSignInMethods(deps: Pick<Deps, 'ephemeral'>, sessionId: string): Promise<string[]> {
  const method = await deps.ephemeral.get(key(sessionId));
  return method === null ? [] : [method];
}
