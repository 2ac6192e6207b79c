// The relying-party object of POST/PATCH /api/v1/oidc-clients (and, later, the deployment file), as zod schemas.
// Redirect URIs are absolute http(s) URLs without a fragment or credentials, matched exactly (RFC 9700 §4.1.3).
import { z } from 'zod';
import { ID_TOKEN_ALGS } from './oidc-storage.js';

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function isRedirectUri(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && !value.includes('#') && url.username === '' && url.password === '';
}

const redirectUri = z.string().max(2048).refine(isRedirectUri, 'must be an absolute http(s) URL without a fragment or credentials');

export const clientFields = {
  clientId: z.string().regex(CLIENT_ID_PATTERN, 'must be 1-64 letters, digits, dots, dashes or underscores'),
  displayName: z.string().trim().min(1).max(128),
  redirectUris: z.array(redirectUri).min(1).max(20),
  postLogoutRedirectUris: z.array(redirectUri).max(20),
  public: z.boolean(),
  requirePkce: z.boolean(),
  consent: z.enum(['ONCE', 'SKIP']),
  allowedRoles: z.array(z.enum(['ADMIN', 'USER'])).max(2),
  allowedUsers: z.array(z.string().regex(/^users\/[0-9]{1,15}$/, 'must be users/{id}')).max(1000),
  backchannelLogoutUri: redirectUri.nullable(),
  refreshTokens: z.boolean(),
  idTokenSignedResponseAlg: z.enum(ID_TOKEN_ALGS),
  subjectType: z.enum(['public', 'pairwise']),
};

export const createClientBody = z
  .object({
    clientId: clientFields.clientId.optional(),
    displayName: clientFields.displayName,
    redirectUris: clientFields.redirectUris,
    postLogoutRedirectUris: clientFields.postLogoutRedirectUris.optional(),
    public: clientFields.public.optional(),
    requirePkce: clientFields.requirePkce.optional(),
    consent: clientFields.consent.optional(),
    allowedRoles: clientFields.allowedRoles.optional(),
    allowedUsers: clientFields.allowedUsers.optional(),
    backchannelLogoutUri: clientFields.backchannelLogoutUri.optional(),
    refreshTokens: clientFields.refreshTokens.optional(),
    idTokenSignedResponseAlg: clientFields.idTokenSignedResponseAlg.optional(),
    subjectType: clientFields.subjectType.optional(),
  })
  .strict();

export type CreateClientInput = z.infer<typeof createClientBody>;

/** PATCH: the same fields but `clientId` and `public`, each optional; only those named in updateMask apply. */
export const patchClientBody = z
  .object({
    displayName: clientFields.displayName.optional(),
    redirectUris: clientFields.redirectUris.optional(),
    postLogoutRedirectUris: clientFields.postLogoutRedirectUris.optional(),
    requirePkce: clientFields.requirePkce.optional(),
    consent: clientFields.consent.optional(),
    allowedRoles: clientFields.allowedRoles.optional(),
    allowedUsers: clientFields.allowedUsers.optional(),
    backchannelLogoutUri: clientFields.backchannelLogoutUri.optional(),
    refreshTokens: clientFields.refreshTokens.optional(),
    idTokenSignedResponseAlg: clientFields.idTokenSignedResponseAlg.optional(),
    subjectType: clientFields.subjectType.optional(),
  })
  .strict();

export const patchClientQuery = z.object({ updateMask: z.string().min(1).max(512) });
