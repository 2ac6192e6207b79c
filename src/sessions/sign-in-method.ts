// How a session's sign-in was proven (RFC 8176 `amr` values: `pwd`, `fed`; later `otp`, `hwk`), kept beside the
// session for its lifetime so the OpenID Provider can state it in ID tokens issued long after the sign-in.
import type { Deps } from '../deps.js';

export type SignInMethod = 'pwd' | 'fed';
const key = (sessionId: string) => `session-amr:${sessionId}`;

export async function rememberSignInMethod(deps: Pick<Deps, 'ephemeral' | 'config'>, sessionId: string, method: SignInMethod): Promise<void> {
  await deps.ephemeral.set(key(sessionId), method, deps.config.sessionMaxAgeMs);
}

export async function findSignInMethods(deps: Pick<Deps, 'ephemeral'>, sessionId: string): Promise<string[]> {
  const method = await deps.ephemeral.get(key(sessionId));
  return method === null ? [] : [method];
}
