// The audit rows of SSO sign-ins: `sso.signin` for each user an identity provider vouched for (the session that
// follows is `signin.success`), `sso.denied` for each refusal, both naming the provider's uid (`subject`) and, for
// a refusal, a stable reason code. Never a code, state, token, secret or provider text: only ids and codes.
import { recordAudit, type AuditOrigin } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { AppError, toAppError } from '../errors.js';
import type { User } from '../users/user.js';

/** Where the SSO attempt came in: the browser flow's start or callback, or Memos' API `ssoCredentials`. */
export type SsoStep = 'start' | 'callback' | 'api';

/** The reason recorded for a refusal: the SsoError's or AppError's reason, else its error code (UNAVAILABLE…). */
export function ssoDenialReason(err: unknown): string {
  const appError = err instanceof AppError ? err : toAppError(err);
  return appError.reason ?? appError.code;
}

type AuditDeps = Pick<Deps, 'store' | 'clock' | 'logger' | 'metrics'>;

export async function recordSsoSignIn(deps: AuditDeps, origin: AuditOrigin, idpUid: string, user: User, step: SsoStep): Promise<void> {
  deps.metrics.signIn('sso', 'success');
  await recordAudit(deps, 'sso.signin', origin, { actorUserId: user.id, subjectUserId: user.id, subject: idpUid, detail: { step } });
}

/** `idpUid` is '' when the refusal came before any provider was known (an unknown state, an unknown provider). */
export async function recordSsoDenied(deps: AuditDeps, origin: AuditOrigin, idpUid: string | null, err: unknown, step: SsoStep): Promise<void> {
  deps.metrics.signIn('sso', 'failure');
  await recordAudit(deps, 'sso.denied', origin, { subject: idpUid ?? '', detail: { step, reason: ssoDenialReason(err) } });
}
