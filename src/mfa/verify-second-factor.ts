// Checking a presented second factor: a TOTP code (one step either side, each time step accepted once per user)
// or a recovery code (each used once). Wrong codes count in the brute-force regulation like passwords, per
// account (its own `mfa:` key, so a right password cannot reset it) and per address; a ban refuses even the
// right code. Every outcome is audited, never with the code.
import { recordAudit, type AuditOrigin } from '../audit/audit-log.js';
import { accountKey } from '../auth/regulation.js';
import type { Deps } from '../deps.js';
import { AppError, invalidArgument, unauthenticated } from '../errors.js';
import type { User } from '../users/user.js';
import { normalizeRecoveryCode } from './recovery-codes.js';
import { matchTotpStep } from './totp.js';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { verifyPasskeyAssertion } from './passkeys.js';

/** A passkey's proof carries the binding its challenge was issued to (the pending sign-in's mfaToken hash). */
export type SecondFactorProof = { totpCode: string } | { recoveryCode: string } | { passkey: AuthenticationResponseJSON; binding: string };

export interface VerifiedSecondFactor {
  method: 'totp' | 'recovery_code' | 'passkey';
  /** Unused recovery codes left (after this use, when a recovery code was used). */
  recoveryCodesRemaining: number;
}

type VerifyDeps = Pick<Deps, 'store' | 'clock' | 'logger' | 'regulation' | 'secretBox' | 'config' | 'ephemeral'>;

export const BAD_SECOND_FACTOR = 'invalid second factor code';

export const totpContext = (userId: number) => `totp:${userId}`;

export function mfaAccountKey(user: Pick<User, 'id' | 'username'>): string {
  return `mfa:${accountKey(user.id, user.username)}`;
}

async function checkTotp(deps: VerifyDeps, user: User, code: string): Promise<boolean> {
  const record = await deps.store.secondFactors.findTotp(user.id);
  if (record?.state !== 'ACTIVE') return false;
  const secret = deps.secretBox.open(record.sealedSecret, totpContext(user.id));
  if (secret === null) {
    deps.logger.error({ userId: user.id }, 'TOTP secret does not open with the current key (GATEWAY_SECRETS_KEY changed?)');
    return false;
  }
  const step = matchTotpStep(secret, code.trim(), deps.clock.now());
  // The conditional update refuses a step already used (or older): a code works once in its window.
  return step !== null && (await deps.store.secondFactors.useTotpStep(user.id, step));
}

async function checkRecoveryCode(deps: VerifyDeps, user: User, input: string): Promise<boolean> {
  const code = normalizeRecoveryCode(input);
  return code !== null && deps.store.secondFactors.useRecoveryCode(user.id, deps.secretBox.hash(code), deps.clock.now());
}

/** Throws 401 for a wrong or reused code, 429 while the account or address is banned. */
export async function verifySecondFactor(deps: VerifyDeps, user: User, proof: SecondFactorProof, origin: AuditOrigin): Promise<VerifiedSecondFactor> {
  const method = 'totpCode' in proof ? 'totp' : 'passkey' in proof ? 'passkey' : 'recovery_code';
  const account = mfaAccountKey(user);
  try {
    await deps.regulation.beginSignInAttempt(account, origin.ipAddress);
  } catch (err) {
    if (err instanceof AppError) await recordAudit(deps, 'mfa.banned', origin, { subjectUserId: user.id, subject: user.username, detail: { method } });
    throw err;
  }
  if ('passkey' in proof) {
    try {
      // Audited inside (use and failure), with the passkey's id.
      await verifyPasskeyAssertion(deps, { purpose: 'second-factor', userId: user.id, binding: proof.binding }, proof.passkey, origin);
    } catch (err) {
      if (err instanceof AppError && err.code === 'UNAUTHENTICATED') await deps.regulation.recordSignInFailure(account, origin.ipAddress);
      throw err;
    }
    await deps.regulation.recordSignInSuccess(account, origin.ipAddress);
    return { method, recoveryCodesRemaining: await deps.store.secondFactors.countUnusedRecoveryCodes(user.id) };
  }
  const ok = 'totpCode' in proof ? await checkTotp(deps, user, proof.totpCode) : await checkRecoveryCode(deps, user, proof.recoveryCode);
  if (!ok) {
    await deps.regulation.recordSignInFailure(account, origin.ipAddress);
    await recordAudit(deps, 'mfa.failure', origin, { subjectUserId: user.id, subject: user.username, detail: { method } });
    throw unauthenticated(BAD_SECOND_FACTOR);
  }
  await deps.regulation.recordSignInSuccess(account, origin.ipAddress);
  const recoveryCodesRemaining = await deps.store.secondFactors.countUnusedRecoveryCodes(user.id);
  if (method === 'recovery_code') {
    await recordAudit(deps, 'mfa.recovery_code_used', origin, { actorUserId: user.id, subjectUserId: user.id, subject: user.username, detail: { remaining: recoveryCodesRemaining } });
  } else {
    await recordAudit(deps, 'mfa.used', origin, { actorUserId: user.id, subjectUserId: user.id, subject: user.username, detail: { method } });
  }
  return { method, recoveryCodesRemaining };
}

/** One of `totpCode` or `recoveryCode`, from an API body or a form. */
export function proofFrom(input: { totpCode?: string | undefined; recoveryCode?: string | undefined }): SecondFactorProof {
  if (input.totpCode && !input.recoveryCode) return { totpCode: input.totpCode };
  if (input.recoveryCode && !input.totpCode) return { recoveryCode: input.recoveryCode };
  throw invalidArgument('send exactly one of totpCode and recoveryCode');
}
