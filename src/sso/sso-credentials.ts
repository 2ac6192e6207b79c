// Memos' API-driven SSO sign-in (`ssoCredentials`): the client ran the authorization-code flow itself and hands
// the gateway the code. The provider integration replaces this placeholder.
import type { Deps } from '../deps.js';
import { failedPrecondition } from '../errors.js';
import type { User } from '../users/user.js';

export interface SsoCredentials {
  idpName?: string | undefined;
  idpId?: string | number | undefined;
  code: string;
  redirectUri: string;
  codeVerifier?: string | undefined;
}

export async function signInWithSsoCredentials(_deps: Deps, _credentials: SsoCredentials): Promise<User> {
  throw failedPrecondition('identity provider not found');
}
