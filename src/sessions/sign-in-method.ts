// How a session's sign-in was proven (RFC 8176 `amr` values: `pwd`, `fed`, `otp` for a TOTP or recovery code,
// `hwk` + `user` for a passkey with user verification, `mfa` when two factors were used), kept beside the
// session for its lifetime so the OpenID Provider can state it in ID tokens issued long after the sign-in.
import type { Deps } from '../deps.js';

export type SignInMethod = 'pwd' | 'fed' | 'otp' | 'hwk' | 'user' | 'mfa';
const key = (sessionId: string) => `session-amr:${sessionId}`;

/** The amr of a sign-in: its first step, then the second factor's methods and `mfa` (RFC 8176 §2). */
export function amrOf(first: 'pwd' | 'fed' | 'passkey', second: 'totp' | 'recovery_code' | 'passkey' | null = null): SignInMethod[] {
  const factor = (m: 'passkey' | 'totp' | 'recovery_code'): SignInMethod[] => (m === 'passkey' ? ['hwk', 'user'] : ['otp']);
  const amr: SignInMethod[] = first === 'passkey' ? factor('passkey') : [first];
  if (second !== null) amr.push(...factor(second), 'mfa');
  return amr;
}

/**
 * Best effort: the session is already written, and a sign-in must not fail (nor leave a session behind a 503)
 * because the ephemeral store is down. Without the record the OpenID Provider states no `amr` for that session,
 * which claims nothing rather than something false.
 */
export async function rememberSignInMethod(deps: Pick<Deps, 'ephemeral' | 'config' | 'logger'>, sessionId: string, method: SignInMethod | SignInMethod[]): Promise<void> {
  const amr = Array.isArray(method) ? method : [method];
  try {
    await deps.ephemeral.set(key(sessionId), amr.join(' '), deps.config.sessionMaxAgeMs);
  } catch (err) {
    deps.logger.warn({ event: 'sign_in_method_not_kept', sessionId, err: err instanceof Error ? err.message : String(err) }, 'the sign-in method was not kept (ephemeral store unavailable); ID tokens of this session carry no amr');
  }
}

export async function findSignInMethods(deps: Pick<Deps, 'ephemeral'>, sessionId: string): Promise<string[]> {
  const value = await deps.ephemeral.get(key(sessionId));
  return value === null ? [] : value.split(' ').filter((m) => m !== '');
}
