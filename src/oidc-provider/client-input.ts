// The relying-party object of POST/PATCH /api/v1/oidc-clients (and, later, the deployment file), as zod schemas.
// Redirect URIs are absolute http(s) URLs without a fragment or credentials, matched exactly (RFC 9700 §4.1.3).
import { z } from 'zod';
import type { FieldViolation } from '../errors.js';
import { isValidGroupName, MAX_GROUPS_PER_SOURCE } from '../groups/group-name.js';
import { CLIENT_GRANT_TYPES, DEFAULT_GRANT_TYPES, DEFAULT_TOKEN_LIFETIMES, ID_TOKEN_ALGS, type OidcClient } from './oidc-storage.js';

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
  // Group names as access rules name them (an admin's local groups, or what a provider sends): never one a person
  // can give themselves.
  allowedGroups: z
    .array(z.string().refine(isValidGroupName, 'is not a group name (1-256 visible ASCII characters, no comma)'))
    .max(MAX_GROUPS_PER_SOURCE),
  backchannelLogoutUri: redirectUri.nullable(),
  refreshTokens: z.boolean(),
  idTokenSignedResponseAlg: z.enum(ID_TOKEN_ALGS),
  subjectType: z.enum(['public', 'pairwise']),
  // The authorization-code flow is the only one the OP offers (issue 12 item 2), so it is always listed.
  grantTypes: z
    .array(z.enum(CLIENT_GRANT_TYPES))
    .min(1)
    .max(2)
    .refine((g) => g.includes('authorization_code'), 'must include authorization_code')
    .refine((g) => new Set(g).size === g.length, 'must not repeat a grant type'),
  tokenLifetimes: z
    .object({
      accessToken: lifetime(60, 86_400).nullable().optional(),
      idToken: lifetime(60, 86_400).nullable().optional(),
      refreshToken: lifetime(300, 365 * 86_400).nullable().optional(),
    })
    .strict(),
};

function lifetime(min: number, max: number) {
  return z.number().int().min(min, `must be at least ${min} seconds`).max(max, `must be at most ${max} seconds`);
}

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
    allowedGroups: clientFields.allowedGroups.optional(),
    backchannelLogoutUri: clientFields.backchannelLogoutUri.optional(),
    refreshTokens: clientFields.refreshTokens.optional(),
    idTokenSignedResponseAlg: clientFields.idTokenSignedResponseAlg.optional(),
    subjectType: clientFields.subjectType.optional(),
    grantTypes: clientFields.grantTypes.optional(),
    tokenLifetimes: clientFields.tokenLifetimes.optional(),
  })
  .strict();

export type CreateClientInput = z.infer<typeof createClientBody>;

/** PATCH: the same fields but `clientId` and `public`, each optional; only those named in updateMask apply. */
export const patchClientBody = createClientBody.omit({ clientId: true, public: true }).partial().strict();

export const patchClientQuery = z.object({ updateMask: z.string().min(1).max(512) });

/** A client from the create body (API) or a deployment-file entry, defaults filled in. */
export function clientFromInput(input: CreateClientInput, clientId: string, secretHash: string | null, now: Date): OidcClient {
  return {
    clientId,
    displayName: input.displayName,
    redirectUris: input.redirectUris,
    postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
    public: input.public ?? false,
    requirePkce: input.requirePkce ?? true,
    consent: input.consent ?? 'ONCE',
    allowedRoles: input.allowedRoles ?? [],
    allowedUsers: input.allowedUsers ?? [],
    allowedGroups: input.allowedGroups ?? [],
    backchannelLogoutUri: input.backchannelLogoutUri ?? null,
    refreshTokens: input.refreshTokens ?? false,
    idTokenSignedResponseAlg: input.idTokenSignedResponseAlg ?? 'RS256',
    subjectType: input.subjectType ?? 'public',
    grantTypes: input.grantTypes ?? [...DEFAULT_GRANT_TYPES],
    tokenLifetimes: { ...DEFAULT_TOKEN_LIFETIMES, ...input.tokenLifetimes },
    secretHash,
    createdAt: now,
    updatedAt: now,
  };
}

/** The rules across fields, shared by the API and the deployment file (each violation names its field). */
export function clientRuleViolations(client: OidcClient): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (client.public && !client.requirePkce) violations.push({ field: 'requirePkce', description: 'a public client must use PKCE (RFC 9700 §2.1.1)' });
  if (client.refreshTokens && !client.grantTypes.includes('refresh_token')) {
    violations.push({ field: 'refreshTokens', description: 'needs refresh_token in grantTypes' });
  }
  if (client.tokenLifetimes.refreshToken !== null && !client.grantTypes.includes('refresh_token')) {
    violations.push({ field: 'tokenLifetimes.refreshToken', description: 'needs refresh_token in grantTypes' });
  }
  return violations;
}
