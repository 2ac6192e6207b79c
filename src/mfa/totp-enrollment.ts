// Enrolling and removing TOTP, and the recovery-code set. A new secret is pending until a correct code confirms
// it; the first factor a user enrols comes with ten recovery codes (shown once). Audited, never with a secret.
import { recordAudit, type AuditOrigin } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { failedPrecondition, invalidArgument, notFound } from '../errors.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import type { User } from '../users/user.js';
import { generateRecoveryCodes, normalizeRecoveryCode } from './recovery-codes.js';
import { generateTotpSecret, matchTotpStep, totpUri } from './totp.js';
import { mfaAccountKey, totpContext } from './verify-second-factor.js';

type EnrolDeps = Pick<Deps, 'store' | 'clock' | 'logger' | 'secretBox' | 'config' | 'regulation'>;

export interface PendingTotp {
  secret: string;
  otpauthUri: string;
}

export async function beginTotpEnrollment(deps: EnrolDeps, user: User): Promise<PendingTotp> {
  const secret = generateTotpSecret();
  const stored = await deps.store.secondFactors.putPendingTotp(user.id, deps.secretBox.seal(secret, totpContext(user.id)), deps.clock.now());
  if (!stored) throw failedPrecondition('TOTP is already enabled; remove it before enrolling a new one');
  const general = await getGeneralSetting(deps.store.settings);
  const issuer = general.customProfile?.title || deps.config.instanceHost;
  return { secret, otpauthUri: totpUri(secret, issuer, user.username) };
}

/** Confirms the pending secret with a code; returns the new recovery codes when this is the user's first factor. */
export async function confirmTotpEnrollment(deps: EnrolDeps, user: User, code: string, origin: AuditOrigin): Promise<{ recoveryCodes: string[] | null }> {
  const record = await deps.store.secondFactors.findTotp(user.id);
  if (!record) throw failedPrecondition('no TOTP enrolment is pending: start one first');
  if (record.state === 'ACTIVE') throw failedPrecondition('TOTP is already enabled');
  // Wrong codes count in the same per-account and per-address regulation as the sign-in's second step (429 when
  // banned), so a stolen access token cannot try the million codes of a pending secret.
  const account = mfaAccountKey(user);
  await deps.regulation.beginSignInAttempt(account, origin.ipAddress);
  const secret = deps.secretBox.open(record.sealedSecret, totpContext(user.id));
  const step = secret === null ? null : matchTotpStep(secret, code.trim(), deps.clock.now());
  if (step === null) {
    await deps.regulation.recordSignInFailure(account, origin.ipAddress);
    throw invalidArgument('the code does not match the new secret', [{ field: 'code', description: 'does not match' }]);
  }
  await deps.regulation.recordSignInSuccess(account, origin.ipAddress);
  const firstFactor = (await deps.store.secondFactors.countUnusedRecoveryCodes(user.id)) === 0;
  if (!(await deps.store.secondFactors.activateTotp(user.id, step, deps.clock.now()))) {
    throw failedPrecondition('no TOTP enrolment is pending: start one first');
  }
  const recoveryCodes = firstFactor ? await replaceRecoveryCodes(deps, user) : null;
  await recordAudit(deps, 'mfa.enrolled', origin, { actorUserId: user.id, subjectUserId: user.id, subject: user.username, detail: { method: 'totp', recoveryCodes: recoveryCodes !== null } });
  return { recoveryCodes };
}

/** Removes TOTP; when no factor is left the recovery codes go too (they recover a factor, not replace one). */
export async function removeTotp(deps: EnrolDeps, user: User, origin: AuditOrigin): Promise<void> {
  if (!(await deps.store.secondFactors.deleteTotp(user.id))) throw notFound('TOTP is not enrolled');
  await deps.store.secondFactors.deleteRecoveryCodes(user.id);
  await recordAudit(deps, 'mfa.removed', origin, { actorUserId: user.id, subjectUserId: user.id, subject: user.username, detail: { method: 'totp' } });
}

async function replaceRecoveryCodes(deps: EnrolDeps, user: User): Promise<string[]> {
  const codes = generateRecoveryCodes();
  const hashes = codes.map((c) => deps.secretBox.hash(normalizeRecoveryCode(c)!));
  await deps.store.transaction((tx) => tx.secondFactors.replaceRecoveryCodes(user.id, hashes, deps.clock.now()));
  return codes;
}

/** A new set of ten; the old set stops working. Only for a user who has a factor. */
export async function regenerateRecoveryCodes(deps: EnrolDeps, user: User, origin: AuditOrigin): Promise<string[]> {
  const totp = await deps.store.secondFactors.findTotp(user.id);
  if (totp?.state !== 'ACTIVE') throw failedPrecondition('enrol a second factor before generating recovery codes');
  const codes = await replaceRecoveryCodes(deps, user);
  await recordAudit(deps, 'mfa.recovery_codes_regenerated', origin, { actorUserId: user.id, subjectUserId: user.id, subject: user.username });
  return codes;
}

/** An admin resets a user's factors (lost phone and codes): TOTP and recovery codes are removed. */
export async function resetSecondFactors(deps: EnrolDeps, admin: User, target: User, origin: AuditOrigin): Promise<void> {
  await deps.store.transaction(async (tx) => {
    await tx.secondFactors.deleteTotp(target.id);
    await tx.secondFactors.deleteRecoveryCodes(target.id);
  });
  await recordAudit(deps, 'mfa.reset', origin, { actorUserId: admin.id, subjectUserId: target.id, subject: target.username });
}
