// The second step of a password sign-in, shared by the JSON API and the sign-in page: after the password, a
// user with a factor (or one the policy requires) gets an mfaToken instead of a session; presenting the factor
// with that token finishes the sign-in. Nothing here issues tokens: the caller completes the sign-in.
import type { AuditOrigin } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { AppError, unauthenticated } from '../errors.js';
import type { User } from '../users/user.js';
import { createMfaToken, findPendingSignIn, takePendingSignIn, type FirstFactor, type PendingSignIn } from './pending-sign-in.js';
import { decideSecondFactor, type SecondFactorDecision, type SecondFactorMethod } from './second-factor-policy.js';
import { verifySecondFactor, type SecondFactorProof, type VerifiedSecondFactor } from './verify-second-factor.js';

export const MFA_ERROR_DOMAIN = 'sso-gateway';

function errorInfo(reason: string, metadata: Record<string, string>) {
  return { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: MFA_ERROR_DOMAIN, metadata };
}

export type SecondStep =
  | { kind: 'none' }
  | { kind: 'verify'; mfaToken: string; methods: SecondFactorMethod[] }
  | { kind: 'enroll'; mfaToken: string };

/** After a passed password step: whether a second step follows, with its mfaToken. */
export async function beginSecondStep(deps: Deps, user: User): Promise<SecondStep> {
  return beginStep(deps, user, 'pwd', await decideSecondFactor(deps, user));
}

/**
 * After an SSO sign-in through a provider with `requireSecondFactor`: the person's own factor is asked for (or
 * enrolled first, when there is none), whatever the instance policy says.
 */
export async function beginSsoSecondStep(deps: Deps, user: User): Promise<Exclude<SecondStep, { kind: 'none' }>> {
  const step = await beginStep(deps, user, 'fed', await decideSecondFactor(deps, user, { providerRequires: true }));
  if (step.kind === 'none') throw new Error('a required second factor was not asked for');
  return step;
}

async function beginStep(deps: Deps, user: User, firstFactor: FirstFactor, decision: SecondFactorDecision): Promise<SecondStep> {
  if (decision.kind === 'none') return decision;
  const mfaToken = await createMfaToken(deps, user.id, decision.kind, firstFactor);
  return decision.kind === 'verify' ? { kind: 'verify', mfaToken, methods: decision.methods } : { kind: 'enroll', mfaToken };
}

/** The API's answer to a second step: 401 with the mfaToken in a google.rpc.ErrorInfo (issue 13's fixed shape). */
export function secondStepError(step: Exclude<SecondStep, { kind: 'none' }>): AppError {
  if (step.kind === 'verify') {
    return new AppError('UNAUTHENTICATED', 'second factor required', {
      reason: 'SECOND_FACTOR_REQUIRED',
      details: [errorInfo('SECOND_FACTOR_REQUIRED', { mfaToken: step.mfaToken, methods: step.methods.join(',') })],
    });
  }
  return new AppError('UNAUTHENTICATED', 'second factor enrollment required', {
    reason: 'SECOND_FACTOR_ENROLLMENT_REQUIRED',
    details: [errorInfo('SECOND_FACTOR_ENROLLMENT_REQUIRED', { mfaToken: step.mfaToken, methods: 'TOTP' })],
  });
}

const badMfaToken = () => unauthenticated('invalid or expired mfaToken');

/** The pending sign-in of a live mfaToken and its user (still able to sign in), or 401. */
export async function requirePendingSignIn(deps: Deps, mfaToken: string): Promise<{ pending: PendingSignIn; user: User }> {
  const pending = await findPendingSignIn(deps, mfaToken);
  if (!pending) throw badMfaToken();
  const user = await deps.store.users.findById(pending.userId);
  if (!user || user.state !== 'NORMAL') throw badMfaToken();
  return { pending, user };
}

/**
 * Finishes a pending sign-in: the factor is checked (or, for an enrolment, was confirmed), then the token is
 * taken, so of two requests with one token at most one gets a session. Returns the user to sign in.
 */
export async function finishSecondStep(
  deps: Deps,
  mfaToken: string,
  proof: SecondFactorProof | null,
  origin: AuditOrigin,
): Promise<{ user: User; verified: VerifiedSecondFactor | null; firstFactor: FirstFactor }> {
  const { pending, user } = await requirePendingSignIn(deps, mfaToken);
  let verified: VerifiedSecondFactor | null = null;
  if (pending.purpose === 'enroll' && pending.enrolled !== true) {
    throw unauthenticated('second factor enrollment required: confirm a factor with this mfaToken first');
  }
  if (pending.purpose === 'verify') {
    if (proof === null) throw unauthenticated('second factor required');
    verified = await verifySecondFactor(deps, user, proof, origin);
  }
  if (!(await takePendingSignIn(deps, mfaToken))) throw badMfaToken();
  return { user, verified, firstFactor: pending.firstFactor === 'fed' ? 'fed' : 'pwd' };
}
