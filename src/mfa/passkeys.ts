// Passkeys (WebAuthn, through @simplewebauthn/server): registering one (resident key, user verification required,
// attestation `none`), and checking an assertion for a passwordless sign-in (discoverable credential) or as the
// second factor after a password. RP ID = the instance host (GATEWAY_WEBAUTHN_RP_ID widens it to a parent
// domain); the origin must be the instance's; the signature counter is checked and stored.
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransportFuture,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { z } from 'zod';
import { recordAudit, type AuditOrigin } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { AppError, alreadyExists, notFound } from '../errors.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import type { User } from '../users/user.js';
import type { PasskeyRecord } from './passkey.js';
import { replaceRecoveryCodes } from './totp-enrollment.js';
import { storeChallenge, takeChallenge, type Ceremony } from './webauthn-challenge.js';

/**
 * @simplewebauthn/server (and its CBOR/COSE/ASN.1 dependencies, ~15 MB of resident memory) loads with the first
 * passkey ceremony, not at start: most gateways never see one.
 */
let webauthn: Promise<typeof import('@simplewebauthn/server')> | undefined;
const loadWebAuthn = () => (webauthn ??= import('@simplewebauthn/server'));

export type PasskeyDeps = Pick<Deps, 'store' | 'clock' | 'config' | 'ephemeral' | 'logger' | 'secretBox'>;

const b64url = z.string().min(1).max(16_384).regex(/^[A-Za-z0-9_-]*={0,2}$/);
const transports = z.array(z.string().max(32)).max(10).optional();

export const registrationResponseSchema = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: b64url, attestationObject: b64url, transports }),
  clientExtensionResults: z.looseObject({}).default({}),
  authenticatorAttachment: z.string().max(32).optional(),
});

export const authenticationResponseSchema = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: b64url, authenticatorData: b64url, signature: b64url, userHandle: b64url.optional() }),
  clientExtensionResults: z.looseObject({}).default({}),
  authenticatorAttachment: z.string().max(32).optional(),
});

export const passkeyNameSchema = z.string().trim().min(1).max(64);

export function webauthnRpId(config: Pick<Deps['config'], 'instanceOrigin' | 'webauthnRpId'>): string {
  return config.webauthnRpId ?? new URL(config.instanceOrigin).hostname;
}

/** A stable, opaque user handle (WebAuthn §14.6.1: no personal data): a keyed hash of the user id. */
function userHandleOf(deps: Pick<Deps, 'secretBox'>, userId: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(deps.secretBox.hash(`webauthn-user-handle:${userId}`), 'hex').subarray(0, 32));
}

const notAccepted = (cause?: unknown) => new AppError('UNAUTHENTICATED', 'the passkey was not accepted', { cause, reason: 'PASSKEY_NOT_ACCEPTED' });

export async function beginPasskeyRegistration(deps: PasskeyDeps, user: User, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const [existing, general] = await Promise.all([deps.store.passkeys.listByUser(user.id), getGeneralSetting(deps.store.settings)]);
  const options = await (await loadWebAuthn()).generateRegistrationOptions({
    rpName: general.customProfile?.title || deps.config.instanceHost,
    rpID: webauthnRpId(deps.config),
    userName: user.username,
    userDisplayName: user.displayName || user.username,
    userID: userHandleOf(deps, user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransportFuture[] })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  });
  await storeChallenge(deps, options.challenge, { purpose: 'register', userId: user.id, binding });
  return options;
}

/** Verifies the new credential and stores it; the first factor a user enrols comes with ten recovery codes. */
export async function finishPasskeyRegistration(
  deps: PasskeyDeps,
  user: User,
  binding: string,
  name: string,
  response: RegistrationResponseJSON,
  origin: AuditOrigin,
): Promise<{ passkey: PasskeyRecord; recoveryCodes: string[] | null }> {
  const challenge = await takeChallenge(deps, response.response.clientDataJSON, { purpose: 'register', userId: user.id, binding });
  let verification;
  try {
    verification = await (await loadWebAuthn()).verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: deps.config.instanceOrigin,
      expectedRPID: webauthnRpId(deps.config),
      requireUserVerification: true,
    });
  } catch (err) {
    await recordAudit(deps, 'mfa.failure', origin, { subjectUserId: user.id, subject: user.username, detail: { method: 'passkey', ceremony: 'register' } });
    throw notAccepted(err);
  }
  if (!verification.verified) throw notAccepted();
  const { credential } = verification.registrationInfo;
  const firstFactor = (await deps.store.secondFactors.countUnusedRecoveryCodes(user.id)) === 0;
  const passkey = await deps.store.passkeys.create({
    userId: user.id,
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: credential.transports ?? [],
    name,
    createdAt: deps.clock.now(),
  });
  if (!passkey) throw alreadyExists('this passkey is already registered');
  const recoveryCodes = firstFactor ? await replaceRecoveryCodes(deps, user) : null;
  await recordAudit(deps, 'mfa.enrolled', origin, { actorUserId: user.id, subjectUserId: user.id, subject: user.username, detail: { method: 'passkey', passkeyId: passkey.id, recoveryCodes: recoveryCodes !== null } });
  return { passkey, recoveryCodes };
}

/** Options for an assertion: any discoverable credential (sign-in) or the user's own (second factor). */
export async function beginPasskeyAuthentication(deps: PasskeyDeps, ceremony: Ceremony): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allow = ceremony.userId === null ? [] : await deps.store.passkeys.listByUser(ceremony.userId);
  const options = await (await loadWebAuthn()).generateAuthenticationOptions({
    rpID: webauthnRpId(deps.config),
    userVerification: 'required',
    ...(ceremony.userId === null ? {} : { allowCredentials: allow.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransportFuture[] })) }),
  });
  await storeChallenge(deps, options.challenge, ceremony);
  return options;
}

/**
 * Checks an assertion against its one-time challenge, origin, RP ID, user verification and the stored counter;
 * returns the passkey's owner. Throws 401 for anything else (and audits it).
 */
export async function verifyPasskeyAssertion(deps: PasskeyDeps, ceremony: Ceremony, response: AuthenticationResponseJSON, origin: AuditOrigin): Promise<{ user: User; passkey: PasskeyRecord }> {
  const challenge = await takeChallenge(deps, response.response.clientDataJSON, ceremony);
  const passkey = await deps.store.passkeys.findByCredentialId(response.id);
  const fail = async (err?: unknown) => {
    await recordAudit(deps, 'mfa.failure', origin, { subjectUserId: passkey?.userId ?? null, subject: '', detail: { method: 'passkey', ceremony: ceremony.purpose } });
    return notAccepted(err);
  };
  if (!passkey || (ceremony.userId !== null && passkey.userId !== ceremony.userId)) throw await fail();
  // A discoverable credential names its user (WebAuthn §7.2 step 6): it must be the passkey's owner.
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== '' && handle !== Buffer.from(userHandleOf(deps, passkey.userId)).toString('base64url')) throw await fail();
  let verification;
  try {
    verification = await (await loadWebAuthn()).verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: deps.config.instanceOrigin,
      expectedRPID: webauthnRpId(deps.config),
      credential: { id: passkey.credentialId, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')), counter: passkey.counter, transports: passkey.transports as AuthenticatorTransportFuture[] },
      requireUserVerification: true,
    });
  } catch (err) {
    throw await fail(err);
  }
  if (!verification.verified) throw await fail();
  // The library refused a counter that did not grow; the conditional update refuses a concurrent twin.
  if (!(await deps.store.passkeys.recordUse(passkey.id, passkey.counter, verification.authenticationInfo.newCounter, deps.clock.now()))) throw await fail();
  const user = await deps.store.users.findById(passkey.userId);
  if (!user || user.state !== 'NORMAL') throw await fail();
  await recordAudit(deps, 'mfa.used', origin, { actorUserId: user.id, subjectUserId: user.id, subject: user.username, detail: { method: 'passkey', passkeyId: passkey.id, ceremony: ceremony.purpose } });
  return { user, passkey };
}

/** Removes one passkey; when no factor is left the recovery codes go too. */
export async function removePasskey(deps: PasskeyDeps, user: User, passkeyId: number, origin: AuditOrigin): Promise<void> {
  if (!(await deps.store.passkeys.delete(user.id, passkeyId))) throw notFound('passkey not found');
  const [left, totp] = await Promise.all([deps.store.passkeys.listByUser(user.id), deps.store.secondFactors.findTotp(user.id)]);
  if (left.length === 0 && totp?.state !== 'ACTIVE') await deps.store.secondFactors.deleteRecoveryCodes(user.id);
  await recordAudit(deps, 'mfa.removed', origin, { actorUserId: user.id, subjectUserId: user.id, subject: user.username, detail: { method: 'passkey', passkeyId } });
}
