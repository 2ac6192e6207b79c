// The JSON the REST API answers with, as zod schemas: the source of the OpenAPI document's response schemas
// (openapi-document.ts). They describe what the *-json.ts serialisers build; the API tests check every real
// response against the document generated from them, so a serialiser and its schema cannot drift apart.
import { z } from 'zod';
import { AUDIT_EVENTS } from '../audit/audit-log.js';

const time = z.string().describe('RFC 3339 time');

export const errorBody = z
  .object({
    code: z.number().int().describe('google.rpc.Code: 3 invalid argument, 5 not found, 7 permission denied, 16 unauthenticated, …'),
    message: z.string(),
    details: z.array(z.unknown()),
  })
  .meta({ id: 'Error' });

export const empty = z.object({}).meta({ id: 'Empty' });

export const user = z
  .object({
    name: z.string().describe('users/{id}'),
    role: z.enum(['ADMIN', 'USER']),
    username: z.string(),
    email: z.string().describe('"" unless the caller is this user or an admin'),
    displayName: z.string(),
    avatarUrl: z.string(),
    description: z.string(),
    state: z.enum(['NORMAL', 'ARCHIVED']),
    createTime: time,
    updateTime: time,
    emailVerified: z.boolean().describe('gateway extension: the email was verified (by a provider that says so, or set by an admin); only then do apps get it'),
    usernameLocked: z.boolean().describe('gateway extension: the username was assigned or locked by an admin; only such names match a rule\'s userPattern'),
  })
  .meta({ id: 'User' });

export const signInResponse = z
  .object({
    user,
    accessToken: z.string(),
    accessTokenExpiresAt: time,
    recoveryCodesRemaining: z.number().int().optional().describe('after a sign-in with a recovery code: how many are left'),
  })
  .meta({ id: 'SignInResponse' });

export const refreshResponse = z.object({ accessToken: z.string(), expiresAt: time }).meta({ id: 'RefreshResponse' });

export const currentUserResponse = z.object({ user }).meta({ id: 'GetCurrentUserResponse' });

export const listUsersResponse = z
  .object({ users: z.array(user), nextPageToken: z.string(), totalSize: z.number().int() })
  .meta({ id: 'ListUsersResponse' });

export const pat = z
  .object({
    name: z.string().describe('users/{id}/personalAccessTokens/{tokenId}'),
    description: z.string(),
    createdAt: time,
    expiresAt: time.optional(),
    lastUsedAt: time.optional(),
  })
  .meta({ id: 'PersonalAccessToken' });

export const createPatResponse = z
  .object({ personalAccessToken: pat, token: z.string().describe('memos_pat_…, shown once') })
  .meta({ id: 'CreatePersonalAccessTokenResponse' });

export const listPatsResponse = z
  .object({ personalAccessTokens: z.array(pat), nextPageToken: z.string(), totalSize: z.number().int() })
  .meta({ id: 'ListPersonalAccessTokensResponse' });

const legacyAccessToken = z
  .object({ name: z.string(), tokenId: z.string(), createdAt: time, expiresAt: time.optional(), lastUsedAt: time.optional() })
  .meta({ id: 'LegacyAccessToken' });

export const listLegacyAccessTokensResponse = z.object({ accessTokens: z.array(legacyAccessToken) }).meta({ id: 'ListAccessTokensResponse' });

export const createLegacyAccessTokenResponse = z
  .object({ accessToken: z.string(), name: z.string(), expiresAt: time.optional(), tokenId: z.string() })
  .meta({ id: 'CreateAccessTokenResponse' });

export const session = z
  .object({
    name: z.string().describe('users/{id}/sessions/{sessionId}'),
    sessionId: z.string(),
    createTime: time,
    lastAccessedTime: time,
    clientInfo: z.object({
      userAgent: z.string(),
      ipAddress: z.string(),
      deviceType: z.string(),
      os: z.string(),
      browser: z.string(),
    }),
  })
  .meta({ id: 'Session' });

export const listSessionsResponse = z.object({ sessions: z.array(session) }).meta({ id: 'ListSessionsResponse' });

export const instanceProfile = z
  .object({ version: z.string(), demo: z.boolean(), instanceUrl: z.string(), needsSetup: z.boolean() })
  .meta({ id: 'InstanceProfile' });

export const instanceSetting = z
  .object({ name: z.string(), generalSetting: z.record(z.string(), z.unknown()).optional() })
  .meta({ id: 'InstanceSetting' });

export const identityProvider = z
  .object({
    name: z.string().describe('identity-providers/{uid}'),
    type: z.literal('OAUTH2'),
    title: z.string(),
    identifierFilter: z.string(),
    groupFilter: z.string().optional().describe('RE2 over the groups the provider sends: a person in none that matches is refused at sign-in'),
    config: z.object({
      oauth2Config: z.object({
        clientId: z.string(),
        clientSecret: z.literal('').describe('write-only: always ""'),
        authUrl: z.string(),
        tokenUrl: z.string(),
        userInfoUrl: z.string(),
        scopes: z.array(z.string()),
        fieldMapping: z.object({
          identifier: z.string(),
          displayName: z.string(),
          email: z.string(),
          avatarUrl: z.string(),
          username: z.string().optional(),
          groups: z.string().optional().describe('claim path of the groups (groups, roles, realm_access.roles)'),
        }),
        issuer: z.string().optional(),
        redirectUris: z.array(z.string()).optional(),
        tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).optional(),
        requireSecondFactor: z.literal(true).optional().describe('sign-ins through this provider must also pass the gateway\'s second factor (absent = false)'),
        endSessionAtProvider: z.boolean().optional(),
      }),
    }),
  })
  .meta({ id: 'IdentityProvider' });

export const listIdentityProvidersResponse = z
  .object({ identityProviders: z.array(identityProvider) })
  .meta({ id: 'ListIdentityProvidersResponse' });

const signingKey = z.object({ kid: z.string(), createTime: time, signing: z.boolean(), retireTime: time.optional() });
export const listSigningKeysResponse = z.object({ signingKeys: z.array(signingKey) }).meta({ id: 'ListSigningKeysResponse' });
export const rotateSigningKeyResponse = z.object({ kid: z.string(), createTime: time }).meta({ id: 'RotateSigningKeyResponse' });

const auditLog = z
  .object({
    name: z.string().describe('auditLogs/{id}'),
    id: z.number().int(),
    createTime: time,
    event: z.enum(AUDIT_EVENTS),
    actorUserId: z.number().int().nullable(),
    subjectUserId: z.number().int().nullable(),
    subject: z.string(),
    ipAddress: z.string(),
    userAgent: z.string(),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .meta({ id: 'AuditLog' });

export const listAuditLogsResponse = z.object({ auditLogs: z.array(auditLog), nextPageToken: z.string() }).meta({ id: 'ListAuditLogsResponse' });

export const pendingTotp = z
  .object({ secret: z.string().describe('base32; shown only now'), otpauthUri: z.string().describe('otpauth://totp/… for authenticator apps') })
  .meta({ id: 'PendingTotp' });
export const confirmTotpResponse = z
  .object({ recoveryCodes: z.array(z.string()).optional().describe('ten single-use codes, shown once, when this is the first factor') })
  .meta({ id: 'ConfirmTotpResponse' });
export const recoveryCodesResponse = z.object({ recoveryCodes: z.array(z.string()) }).meta({ id: 'RecoveryCodesResponse' });
export const secondFactors = z
  .object({
    totp: z.object({ enabled: z.boolean(), createTime: time.optional() }),
    passkeys: z.array(z.object({ name: z.string(), displayName: z.string(), createTime: time, lastUsedTime: time.optional() })),
    recoveryCodesRemaining: z.number().int(),
  })
  .meta({ id: 'SecondFactors' });

export const liveness = z.object({ status: z.literal('ok') });
export const readiness = z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.enum(['ok', 'unavailable'])) });

// OpenID Provider relying parties (/api/v1/oidc-clients). The secret appears only in the create and regenerate answers.
export const oidcClient = z
  .object({
    name: z.string().describe('oidc-clients/{clientId}'),
    clientId: z.string(),
    displayName: z.string(),
    redirectUris: z.array(z.string()),
    postLogoutRedirectUris: z.array(z.string()),
    public: z.boolean(),
    requirePkce: z.boolean(),
    consent: z.enum(['ONCE', 'SKIP']),
    allowedRoles: z.array(z.enum(['ADMIN', 'USER'])),
    allowedUsers: z.array(z.string().describe('users/{id}')),
    allowedGroups: z.array(z.string()).describe('group names (local or from a provider); any of them admits a user'),
    backchannelLogoutUri: z.string().nullable(),
    refreshTokens: z.boolean(),
    idTokenSignedResponseAlg: z.enum(['RS256', 'ES256']),
    subjectType: z.enum(['public', 'pairwise']),
    grantTypes: z.array(z.enum(['authorization_code', 'refresh_token'])),
    tokenLifetimes: z
      .object({ accessToken: z.number().int().nullable(), idToken: z.number().int().nullable(), refreshToken: z.number().int().nullable() })
      .describe('seconds; null = the OpenID Provider default'),
    managedBy: z.enum(['API', 'DEPLOYMENT']).describe('DEPLOYMENT: from GATEWAY_OIDC_CLIENTS_FILE, read-only in the API'),
    createTime: time,
    updateTime: time,
  })
  .meta({ id: 'OidcClient' });
export const createOidcClientResponse = z
  .object({ client: oidcClient, clientSecret: z.string().optional().describe('shown once; absent for public clients') })
  .meta({ id: 'CreateOidcClientResponse' });
export const listOidcClientsResponse = z.object({ clients: z.array(oidcClient) }).meta({ id: 'ListOidcClientsResponse' });
export const oidcConsent = z
  .object({
    name: z.string().describe('users/{id}/oidcConsents/{clientId}'),
    clientId: z.string(),
    clientDisplayName: z.string().nullable().describe('null when the client is no longer registered'),
    scopes: z.array(z.string()),
    remembered: z.boolean().describe('the consent page answer is remembered (consent: ONCE)'),
    activeGrants: z.number().int(),
    createTime: time.nullable(),
  })
  .meta({ id: 'OidcConsent' });
export const listOidcConsentsResponse = z.object({ consents: z.array(oidcConsent) }).meta({ id: 'ListOidcConsentsResponse' });
export const regenerateOidcClientSecretResponse = z.object({ clientSecret: z.string() }).meta({ id: 'RegenerateOidcClientSecretResponse' });
export const oidcDiscovery = z
  .looseObject({
    issuer: z.string(),
    authorization_endpoint: z.string(),
    token_endpoint: z.string(),
    userinfo_endpoint: z.string(),
    jwks_uri: z.string(),
    end_session_endpoint: z.string(),
  })
  .meta({ id: 'OpenIdConfiguration' });

// A user's groups (/api/v1/users/{user}/groups): local ones an admin gives, upstream ones each provider sent at the
// last sign-in through it; `groups` is their union, the list rules, X-Auth-Request-Groups and the OIDC claim use.
export const userGroups = z
  .object({
    groups: z.array(z.string()).describe('effective groups: localGroups ∪ every upstreamGroups entry, sorted'),
    localGroups: z.array(z.string()),
    upstreamGroups: z.array(z.object({ identityProvider: z.string().describe('identity-providers/{uid}'), groups: z.array(z.string()) })),
  })
  .meta({ id: 'UserGroups' });

// Linked identities (Memos' LinkedIdentity).
export const linkedIdentity = z.object({ name: z.string(), idpName: z.string(), externUid: z.string() }).meta({ id: 'LinkedIdentity' });
export const listLinkedIdentitiesResponse = z.object({ linkedIdentities: z.array(linkedIdentity), nextPageToken: z.string() });
// Passkeys (WebAuthn): ceremony options are @simplewebauthn/server's JSON (PublicKeyCredentialCreation/RequestOptionsJSON).
export const passkeyOptions = z
  .object({ options: z.record(z.string(), z.unknown()).describe('pass to navigator.credentials (e.g. @simplewebauthn/browser startRegistration/startAuthentication)') })
  .meta({ id: 'PasskeyOptions' });
export const passkeyJson = z
  .object({ name: z.string().describe('users/{id}/passkeys/{passkeyId}'), displayName: z.string(), createTime: time, lastUsedTime: time.optional() })
  .meta({ id: 'Passkey' });
export const createPasskeyResponse = z
  .object({ passkey: passkeyJson, recoveryCodes: z.array(z.string()).optional().describe('ten single-use codes, shown once, when this is the first factor') })
  .meta({ id: 'CreatePasskeyResponse' });
export const passkeyPageRedirect = z.object({ redirect: z.string().describe('where the browser goes next') }).meta({ id: 'PasskeyRedirect' });
export const passkeyPageRegistration = z.object({ recoveryCodes: z.array(z.string()).optional() }).meta({ id: 'PasskeyPageRegistration' });
/** RFC 7517 JWK Set of public keys (never a private member). */
export const publicJwks = z
  .object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string().optional(), use: z.string().optional() })) })
  .meta({ id: 'PublicJwks' });
