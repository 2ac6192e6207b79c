// Who must present or enrol a second factor after the password step, and which factors a user has.
// GENERAL.secondFactorRequirement: OPTIONAL (a factor is asked only of those who enrolled one), ADMINS, EVERYONE.
// SSO sign-ins count as having the upstream's second factor, unless their provider has `requireSecondFactor`
// (then they take the same step as a password sign-in: sso/sso-second-factor.ts).
import type { Deps } from '../deps.js';
import { getGeneralSetting, type GeneralSetting } from '../settings/general-setting.js';
import type { User } from '../users/user.js';

export type SecondFactorMethod = 'TOTP' | 'RECOVERY_CODE' | 'PASSKEY';

export type SecondFactorDecision =
  | { kind: 'none' }
  | { kind: 'verify'; methods: SecondFactorMethod[] }
  | { kind: 'enroll' };

/** The factors a user can sign in with now, in the order the API lists them. */
export async function listSecondFactorMethods(deps: Pick<Deps, 'store'>, userId: number): Promise<SecondFactorMethod[]> {
  const [totp, codes, passkeys] = await Promise.all([
    deps.store.secondFactors.findTotp(userId),
    deps.store.secondFactors.countUnusedRecoveryCodes(userId),
    deps.store.passkeys.listByUser(userId),
  ]);
  const methods: SecondFactorMethod[] = [];
  if (totp?.state === 'ACTIVE') methods.push('TOTP');
  if (codes > 0) methods.push('RECOVERY_CODE');
  if (passkeys.length > 0) methods.push('PASSKEY');
  return methods;
}

export function mustHaveSecondFactor(general: Pick<GeneralSetting, 'secondFactorRequirement'>, user: Pick<User, 'role'>): boolean {
  if (general.secondFactorRequirement === 'EVERYONE') return true;
  return general.secondFactorRequirement === 'ADMINS' && user.role === 'ADMIN';
}

/** After a password step: nothing more, a factor to present, or (the policy requires one) a factor to enrol. */
export async function decideSecondFactor(deps: Pick<Deps, 'store'>, user: User, options: { providerRequires?: boolean } = {}): Promise<SecondFactorDecision> {
  const [methods, general] = await Promise.all([listSecondFactorMethods(deps, user.id), getGeneralSetting(deps.store.settings)]);
  // Recovery codes alone are not a factor one signs in with day to day, but they still prove the person.
  if (methods.length > 0) return { kind: 'verify', methods };
  return options.providerRequires === true || mustHaveSecondFactor(general, user) ? { kind: 'enroll' } : { kind: 'none' };
}
