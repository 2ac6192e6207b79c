// Second factors through the public API, as a person with an authenticator app would use them: the code is
// computed here from the secret the gateway returned, at the test gateway's clock.
import assert from 'node:assert/strict';
import { totpCodeAt } from '../../src/mfa/totp.js';
import type { TestGateway } from './gateway.js';
import type { SignedIn } from './users.js';

export const TOTP_STEP_MS = 30_000;

/** The code an authenticator app shows `offsetSteps` steps from the gateway's now. */
export function codeFor(gw: TestGateway, secret: string, offsetSteps = 0): string {
  return totpCodeAt(secret, new Date(gw.clock.now().getTime() + offsetSteps * TOTP_STEP_MS));
}

/** Enrols and confirms TOTP for a freshly signed-in user; moves the clock one step on (the confirming code is used). */
export async function enrollTotp(gw: TestGateway, who: SignedIn): Promise<{ secret: string; recoveryCodes: string[] }> {
  const start = await gw.http.post('/api/v1/users/me/totp').set(who.auth);
  assert.equal(start.status, 200, `start TOTP: ${start.status} ${JSON.stringify(start.body)}`);
  const secret = start.body.secret as string;
  const confirm = await gw.http.post('/api/v1/users/me/totp:confirm').set(who.auth).send({ code: codeFor(gw, secret) });
  assert.equal(confirm.status, 200, `confirm TOTP: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  gw.clock.advance(TOTP_STEP_MS);
  return { secret, recoveryCodes: (confirm.body.recoveryCodes as string[] | undefined) ?? [] };
}

/** The password step of a user with a second factor: the 401's mfaToken and methods. */
export async function passwordStep(gw: TestGateway, username: string, password: string): Promise<{ mfaToken: string; methods: string; reason: string }> {
  const res = await gw.http.post('/api/v1/auth/signin').send({ passwordCredentials: { username, password } });
  assert.equal(res.status, 401, `password step: ${res.status} ${JSON.stringify(res.body)}`);
  const info = res.body.details?.[0];
  assert.equal(info?.['@type'], 'type.googleapis.com/google.rpc.ErrorInfo', JSON.stringify(res.body));
  return { mfaToken: info.metadata.mfaToken, methods: info.metadata.methods, reason: info.reason };
}

export function secondStep(gw: TestGateway, credentials: Record<string, string>) {
  return gw.http.post('/api/v1/auth/signin').send({ secondFactorCredentials: credentials });
}
