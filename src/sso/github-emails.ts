// GitHub's `/user` answers with the profile's public email, which says nothing about verification: the verified
// addresses are listed by `GET /user/emails` (scope `user:email` or `user`). For a GitHub-shaped provider (plain
// OAuth2, user-info URL ending in `/user`, one of those scopes) the primary verified address replaces the mapped
// email and `email_verified` is set from that list; without one (or when the list cannot be read) the email stays
// unverified and the sign-in goes on.
import type { Logger } from '../logger.js';
import type { Claims } from './field-mapping.js';
import type { IdentityProvider } from './identity-provider.js';
import { boundedFetch, type OutboundPolicy } from './outbound-fetch.js';

const EMAIL_SCOPES = new Set(['user:email', 'user']);

export function isGithubShaped(idp: IdentityProvider): boolean {
  if (idp.config.issuer !== '' || !idp.config.scopes.some((s) => EMAIL_SCOPES.has(s))) return false;
  try {
    return new URL(idp.config.userInfoUrl).pathname.endsWith('/user');
  } catch {
    return false;
  }
}

interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

function isGithubEmail(value: unknown): value is GithubEmail {
  const v = value as Partial<GithubEmail> | null;
  return v !== null && typeof v === 'object' && typeof v.email === 'string' && typeof v.primary === 'boolean' && typeof v.verified === 'boolean';
}

/** The primary address when GitHub lists it as verified, else null. */
export function pickPrimaryVerified(list: unknown): string | null {
  if (!Array.isArray(list)) return null;
  const primary = list.filter(isGithubEmail).find((e) => e.primary && e.verified);
  return primary && primary.email.length > 0 ? primary.email : null;
}

async function fetchEmails(idp: IdentityProvider, accessToken: string, policy: OutboundPolicy): Promise<unknown> {
  const url = new URL(idp.config.userInfoUrl);
  url.pathname = `${url.pathname}/emails`;
  const res = await boundedFetch(url.href, { headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` } }, policy);
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`emails endpoint answered ${res.status}`);
  }
  return JSON.parse(await res.text()) as unknown;
}

/** `claims` with `email` / `email_verified` from the verified list (GitHub-shaped providers), else as they were. */
export async function withVerifiedGithubEmail(
  idp: IdentityProvider,
  claims: Claims,
  accessToken: string,
  policy: OutboundPolicy,
  logger: Pick<Logger, 'warn'>,
): Promise<Claims> {
  if (!isGithubShaped(idp)) return claims;
  // Whatever `/user` said about verification is not GitHub's word on it.
  const unverified = { ...claims, email_verified: false };
  try {
    const primary = pickPrimaryVerified(await fetchEmails(idp, accessToken, policy));
    return primary === null ? unverified : { ...claims, email: primary, email_verified: true };
  } catch (err) {
    logger.warn({ event: 'sso_emails_unavailable', idp: idp.uid, err }, 'could not read the verified email addresses; the email stays unverified');
    return unverified;
  }
}
