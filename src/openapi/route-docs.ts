// What the OpenAPI document says about each route of the route table, keyed `METHOD path` as routes.ts spells
// them: a summary, the zod schemas the handler validates its input with, and the schema of its answer. A unit
// test fails when a route of the table has no entry here, or an entry names no route.
import type { z } from 'zod';
import { query as auditLogQuery } from '../audit/audit-handlers.js';
import { signInSchema } from '../auth/auth-handlers.js';
import { createSchema as createPatBody, legacyCreateSchema as createLegacyAccessTokenBody } from '../auth/pat-handlers.js';
import { legacyBody as legacySettingBody, settingBody } from '../settings/settings-handlers.js';
import { createQuery as createIdpQuery } from '../sso/idp-handlers.js';
import { identityProviderInput } from '../sso/idp-input.js';
import { listQuery as listUsersQuery } from '../users/user-admin-handlers.js';
import { createUserQuery, createUserSchema } from '../users/user-handlers.js';
import { bodySchema as userUpdateBody, querySchema as userUpdateQuery } from '../users/user-update-input.js';
import { confirmTotpBody, enrollmentBody, enrollmentConfirmBody } from '../mfa/mfa-handlers.js';
import { createClientBody as createOidcClientBody, patchClientBody as patchOidcClientBody, patchClientQuery as patchOidcClientQuery } from '../oidc-provider/client-input.js';
import { patchGroupsBody } from '../groups/group-handlers.js';
import { createPasskeyBody, passkeyOptionsBody } from '../mfa/passkey-handlers.js';
import { emptyBody as passkeyEmptyBody, passkeyRegistrationBody, passkeySignInBody } from '../web/passkey-handlers.js';
import * as api from './api-schemas.js';
import { createLinkedIdentityBody } from '../sso/linked-identity-handlers.js';

export interface RouteDoc {
  summary: string;
  tag: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The JSON answer on success (200). */
  response?: z.ZodType;
  /** Answers HTML (200) or a redirect (302) instead of JSON. */
  kind?: 'html' | 'redirect' | 'css' | 'verify' | 'script';
}

const json = (tag: string, summary: string, response: z.ZodType, extra: Omit<RouteDoc, 'summary' | 'tag' | 'response'> = {}): RouteDoc => ({ tag, summary, response, ...extra });

export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'GET /healthz': json('health', 'Liveness: the process answers', api.liveness),
  'GET /readyz': json('health', 'Readiness: the database and Redis answer; 503 while draining', api.readiness),

  'ALL /auth/verify': { tag: 'forward-auth', kind: 'verify', summary: 'Forward auth for nginx auth_request (reads X-Original-URL): 200 with identity headers, 401, 403' },
  'ALL /auth/verify/forward-auth': { tag: 'forward-auth', kind: 'verify', summary: 'Forward auth for Traefik/Caddy (reads X-Forwarded-Method/Proto/Host/Uri only; a browser gets the 302 to sign-in)' },
  'ALL /auth/verify/envoy': { tag: 'forward-auth', kind: 'verify', summary: 'Envoy ext_authz HTTP service (path_prefix): the original path follows, original Host and method; a browser gets the 302 to sign-in' },

  'GET /auth': { tag: 'browser', kind: 'html', summary: 'The sign-in page (password form and provider buttons)' },
  'POST /auth/signin': { tag: 'browser', kind: 'redirect', summary: 'The sign-in page\'s form post (username, password, redirect); 302 to the checked return URL' },
  'GET /auth/assets/gateway.css': { tag: 'browser', kind: 'css', summary: 'The sign-in page\'s stylesheet' },
  'GET /auth/sso/{uid}': { tag: 'browser', kind: 'redirect', summary: 'Starts an SSO flow: 302 to the provider (PKCE S256, state, nonce)' },
  'GET /auth/callback': { tag: 'browser', kind: 'redirect', summary: 'The providers\' redirect URI: finishes the flow, sets the cookies, 302 to the return URL' },

  'POST /api/v1/auth/signin': json('auth', 'Sign in with a password or SSO credentials; sets memos_refresh', api.signInResponse, { body: signInSchema }),
  'POST /api/v1/auth/refresh': json('auth', 'Rotate the refresh cookie and get a new access token', api.refreshResponse),
  'POST /api/v1/auth/signout': json('auth', 'End this session (every credential that came from it)', api.empty),
  'GET /api/v1/auth/me': json('auth', 'The caller', api.currentUserResponse),

  'POST /api/v1/users': json('users', 'Sign up (or, as an admin, create a user); the first user becomes the admin', api.user, { body: createUserSchema, query: createUserQuery }),
  'GET /api/v1/users': json('users', 'List users', api.listUsersResponse, { query: listUsersQuery }),
  'GET /api/v1/users/{user}': json('users', 'A user (by id, username or `me`)', api.user),
  'PATCH /api/v1/users/{user}': json('users', 'Update a user (fields named by updateMask)', api.user, { body: userUpdateBody, query: userUpdateQuery }),
  'DELETE /api/v1/users/{user}': json('users', 'Delete a user', api.empty),

  'GET /api/v1/users/{user}/personalAccessTokens': json('tokens', 'List personal access tokens (never the token)', api.listPatsResponse),
  'POST /api/v1/users/{user}/personalAccessTokens': json('tokens', 'Create a personal access token (shown once); needs a recent sign-in or the password', api.createPatResponse, { body: createPatBody }),
  'DELETE /api/v1/users/{user}/personalAccessTokens/{tokenId}': json('tokens', 'Revoke a personal access token', api.empty),
  'GET /api/v1/users/{user}/access_tokens': json('tokens', 'List personal access tokens (the older docs\' shape)', api.listLegacyAccessTokensResponse),
  'POST /api/v1/users/{user}/access_tokens': json('tokens', 'Create a personal access token (the older docs\' shape)', api.createLegacyAccessTokenResponse, { body: createLegacyAccessTokenBody }),
  'DELETE /api/v1/users/{user}/access_tokens/{tokenId}': json('tokens', 'Revoke a personal access token (the older docs\' shape)', api.empty),

  'GET /api/v1/users/{user}/sessions': json('sessions', 'Signed-in devices', api.listSessionsResponse),
  'DELETE /api/v1/users/{user}/sessions': json('sessions', 'Sign out everywhere', api.empty),
  'DELETE /api/v1/users/{user}/sessions/{sessionId}': json('sessions', 'Sign one device out', api.empty),

  'GET /api/v1/instance/profile': json('instance', 'Version, demo mode, instance URL and whether setup is needed', api.instanceProfile),
  'GET /api/v1/instance/settings/{key}': json('instance', 'An instance setting (GENERAL; BASIC is never shown)', api.instanceSetting),
  'PATCH /api/v1/instance/settings/{key}': json('instance', 'Update an instance setting', api.instanceSetting, { body: settingBody }),
  'PATCH /api/v1/instance/setting': json('instance', 'Update an instance setting (the older shape)', api.instanceSetting, { body: legacySettingBody }),

  'GET /api/v1/identity-providers': json('identity-providers', 'List identity providers (never a secret)', api.listIdentityProvidersResponse),
  'POST /api/v1/identity-providers': json('identity-providers', 'Create an identity provider', api.identityProvider, { body: identityProviderInput, query: createIdpQuery }),
  'GET /api/v1/identity-providers/{uid}': json('identity-providers', 'An identity provider', api.identityProvider),
  'PATCH /api/v1/identity-providers/{uid}': json('identity-providers', 'Update an identity provider (fields named by updateMask)', api.identityProvider),
  'DELETE /api/v1/identity-providers/{uid}': json('identity-providers', 'Delete an identity provider', api.empty),

  'GET /api/v1/instance/signing-keys': json('instance', 'Signing keys (kids and times, never a secret)', api.listSigningKeysResponse),
  'POST /api/v1/instance/signing-keys': json('instance', 'Rotate: a new kid signs from now on', api.rotateSigningKeyResponse),

  'GET /api/v1/audit-logs': json('audit', 'The audit log, newest first', api.listAuditLogsResponse, { query: auditLogQuery }),
  'POST /api/v1/users/{user}/totp': json('second-factors', 'Start a TOTP enrolment (pending until confirmed; replaces a pending one); needs a sign-in < 10 min old', api.pendingTotp),
  'POST /api/v1/users/{user}/totp:confirm': json('second-factors', 'Confirm the pending TOTP with a code; the first factor returns ten recovery codes', api.confirmTotpResponse, { body: confirmTotpBody }),
  'DELETE /api/v1/users/{user}/totp': json('second-factors', 'Remove TOTP (and, with no factor left, the recovery codes)', api.empty),
  'POST /api/v1/users/{user}/recoveryCodes': json('second-factors', 'Regenerate the recovery codes (the old set stops working)', api.recoveryCodesResponse),
  'GET /api/v1/users/{user}/secondFactors': json('second-factors', 'The user\'s second factors (never a secret)', api.secondFactors),
  'DELETE /api/v1/users/{user}/secondFactors': json('second-factors', 'Reset a user\'s second factors (admin)', api.empty),
  'POST /api/v1/auth/enrollment/totp': json('second-factors', 'Start a TOTP enrolment for a sign-in held back by the policy (its mfaToken)', api.pendingTotp, { body: enrollmentBody }),
  'POST /api/v1/auth/enrollment/totp:confirm': json('second-factors', 'Confirm it; the mfaToken then finishes the sign-in through secondFactorCredentials', api.confirmTotpResponse, { body: enrollmentConfirmBody }),

  'GET /auth/mfa': { tag: 'browser', kind: 'html', summary: 'The sign-in page\'s second step: a code from the authenticator app or a recovery code' },
  'POST /auth/mfa': { tag: 'browser', kind: 'redirect', summary: 'The second step\'s form post (totpCode or recoveryCode); 303 to the return URL when it passes' },
  'GET /auth/mfa/enroll': { tag: 'browser', kind: 'html', summary: 'TOTP enrolment for a sign-in the policy holds back (QR code, key, code form)' },
  'POST /auth/mfa/enroll': { tag: 'browser', kind: 'html', summary: 'Confirms it, signs in and shows the recovery codes once' },

  'DELETE /api/v1/users/{user}/signInBan': json('users', 'Lift the account\'s sign-in ban and clear its failure counts (per-address counts stay)', api.empty),
  'GET /api/v1/openapi.json': { tag: 'instance', summary: 'This document (OpenAPI 3.1)' },

  // OpenID Provider (oidc-provider/): its login and consent prompts, and its relying parties. The protocol
  // endpoints themselves (/oidc/…) are described by /oidc/.well-known/openid-configuration.
  'GET /oidc/.well-known/openid-configuration': json('oidc', 'OpenID Provider discovery (issuer <instance>/oidc); its endpoints are the OpenID Connect protocol', api.oidcDiscovery),
  'GET /auth/oidc/interaction/{uid}': { tag: 'browser', kind: 'html', summary: 'The OpenID Provider\'s login/consent prompt: signs the gateway session in (or 303 to /auth), or shows the consent page' },
  'POST /auth/oidc/interaction/{uid}/consent': { tag: 'browser', kind: 'redirect', summary: 'The consent page\'s answer (decision=allow|deny, csrf); 303 back to the OpenID Provider' },
  'GET /api/v1/oidc-clients': json('oidc-clients', 'List relying parties (never a secret)', api.listOidcClientsResponse),
  'POST /api/v1/oidc-clients': json('oidc-clients', 'Register a relying party; the secret is in this answer only', api.createOidcClientResponse, { body: createOidcClientBody }),
  'GET /api/v1/oidc-clients/{clientId}': json('oidc-clients', 'A relying party', api.oidcClient),
  'PATCH /api/v1/oidc-clients/{clientId}': json('oidc-clients', 'Update a relying party (fields named by updateMask)', api.oidcClient, { body: patchOidcClientBody, query: patchOidcClientQuery }),
  'DELETE /api/v1/oidc-clients/{clientId}': json('oidc-clients', 'Delete a relying party', api.empty),
  'POST /api/v1/oidc-clients/{clientAction}': json('oidc-clients', '`{clientId}:regenerateSecret`: a new secret (shown once); the old one stops working', api.regenerateOidcClientSecretResponse),

  // Groups (groups/).
  'GET /api/v1/users/{user}/groups': json('groups', 'The user\'s groups: local (given by admins), upstream (per provider, replaced at each sign-in through it) and their union', api.userGroups),
  'PATCH /api/v1/users/{user}/groups': json('groups', 'Replace the user\'s local groups (admin; audited); upstream groups come only from the providers', api.userGroups, { body: patchGroupsBody }),
  'GET /api/v1/users/{user}/oidcConsents': json('oidc-clients', 'The apps a user let sign them in (remembered consents and live grants); self or admin', api.listOidcConsentsResponse),
  'DELETE /api/v1/users/{user}/oidcConsents/{clientId}': json('oidc-clients', 'Revoke an app: the consent is forgotten and its access and refresh tokens stop working at once; self or admin', api.empty),

  // The console (web/console-*.ts): server-rendered pages on the browser session.
  'GET /': { tag: 'console', kind: 'redirect', summary: 'Redirects into the console (/account, /admin/users), or to /auth when signed out' },
  'POST /auth/setup': { tag: 'console', kind: 'redirect', summary: 'Console form /auth/setup: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'GET /auth/assets/console.css': { tag: 'console', kind: 'css', summary: 'The console\'s stylesheet' },
  'GET /auth/assets/console.js': { tag: 'console', kind: 'css', summary: 'The console\'s one static script (copy button, confirm dialogs)' },
  'POST /console/signout': { tag: 'console', kind: 'redirect', summary: 'Console form /console/signout: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'GET /account': { tag: 'console', kind: 'html', summary: 'Console page /account (browser session; HTML)' },
  'POST /account/profile': { tag: 'console', kind: 'redirect', summary: 'Console form /account/profile: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'POST /account/password': { tag: 'console', kind: 'redirect', summary: 'Console form /account/password: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'POST /account/sessions/revoke-all': { tag: 'console', kind: 'redirect', summary: 'Console form /account/sessions/revoke-all: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'POST /account/sessions/{sessionId}/revoke': { tag: 'console', kind: 'redirect', summary: 'Console form /account/sessions/:sessionId/revoke: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'POST /account/tokens': { tag: 'console', kind: 'redirect', summary: 'Console form /account/tokens: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'POST /account/tokens/{tokenId}/revoke': { tag: 'console', kind: 'redirect', summary: 'Console form /account/tokens/:tokenId/revoke: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'GET /admin': { tag: 'console', kind: 'redirect', summary: 'Redirects into the console (/account, /admin/users), or to /auth when signed out' },
  'GET /admin/users': { tag: 'console', kind: 'html', summary: 'Console page /admin/users (browser session; HTML)' },
  'POST /admin/users': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/users: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'GET /admin/users/{user}': { tag: 'console', kind: 'html', summary: 'Console page /admin/users/:user (browser session; HTML)' },
  'POST /admin/users/{user}/role': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/users/:user/role: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'POST /admin/users/{user}/state': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/users/:user/state: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'POST /admin/users/{user}/delete': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/users/:user/delete: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'POST /admin/users/{user}/second-factors/reset': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/users/:user/second-factors/reset: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'POST /admin/users/{user}/sessions/{sessionId}/revoke': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/users/:user/sessions/:sessionId/revoke: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'GET /admin/providers': { tag: 'console', kind: 'html', summary: 'Console page /admin/providers (browser session; HTML)' },
  'GET /admin/providers/new': { tag: 'console', kind: 'html', summary: 'Console page /admin/providers/new (browser session; HTML)' },
  'POST /admin/providers': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/providers: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'GET /admin/providers/{uid}': { tag: 'console', kind: 'html', summary: 'Console page /admin/providers/:uid (browser session; HTML)' },
  'POST /admin/providers/{uid}': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/providers/:uid: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'POST /admin/providers/{uid}/delete': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/providers/:uid/delete: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'POST /admin/providers/{uid}/test': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/providers/:uid/test: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'GET /admin/audit': { tag: 'console', kind: 'html', summary: 'Console page /admin/audit (browser session; HTML)' },
  'GET /admin/settings': { tag: 'console', kind: 'html', summary: 'Console page /admin/settings (browser session; HTML)' },
  'POST /admin/settings': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/settings: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'GET /admin/keys': { tag: 'console', kind: 'html', summary: 'Console page /admin/keys (browser session; HTML)' },
  'POST /admin/keys/rotate': { tag: 'console', kind: 'redirect', summary: 'Console form /admin/keys/rotate: same-site with the CSRF token, then 303 back (POST-redirect-GET)' },
  'GET /account/identities/link/{uid}': { tag: 'console', kind: 'redirect', summary: 'Starts linking a provider to the signed-in account (CSRF token in the query): 302 to the provider' },
  'POST /account/identities/{idpUid}/unlink': { tag: 'console', kind: 'redirect', summary: 'Console form: unlink a provider unless it is the only way in; 303 back' },
  'GET /api/v1/users/{user}/linkedIdentities': json('users', 'The accounts at identity providers linked to the user', api.listLinkedIdentitiesResponse),
  'POST /api/v1/users/{user}/linkedIdentities': json('users', 'Link a provider account (the ssoCredentials code exchange); refused when it is linked to another user', api.linkedIdentity, { body: createLinkedIdentityBody }),
  'GET /api/v1/users/{user}/linkedIdentities/{idpUid}': json('users', 'One linked identity', api.linkedIdentity),
  'DELETE /api/v1/users/{user}/linkedIdentities/{idpUid}': json('users', 'Unlink a provider account; 400 FailedPrecondition when it is the only way in', api.empty),
  'POST /account/apps/{clientId}/revoke': { tag: 'console', kind: 'redirect', summary: 'Console form: revoke an OpenID Connect app\'s consent and grants; 303 back' },
  'GET /admin/oidc-clients': { tag: 'console', kind: 'html', summary: 'Console page /admin/oidc-clients (browser session; HTML)' },
  'POST /admin/oidc-clients': { tag: 'console', kind: 'redirect', summary: 'Console form: register a relying party through the API\'s checks; 303 back, the secret shown once' },
  'POST /admin/oidc-clients/{clientId}/secret': { tag: 'console', kind: 'redirect', summary: 'Console form: a new client secret (the old one stops working); 303 back, shown once' },
  'POST /admin/oidc-clients/{clientId}/delete': { tag: 'console', kind: 'redirect', summary: 'Console form: delete a relying party; 303 back' },
  // Passkeys (mfa/passkeys.ts; web/passkey-handlers.ts for the pages' JSON calls).
  'POST /api/v1/users/{user}/passkeys:options': json('second-factors', 'Start registering a passkey (resident key, user verification required, attestation none); needs a sign-in < 10 min old', api.passkeyOptions),
  'POST /api/v1/users/{user}/passkeys': json('second-factors', 'Finish it with the authenticator\'s response; the first factor comes with ten recovery codes', api.createPasskeyResponse, { body: createPasskeyBody }),
  'DELETE /api/v1/users/{user}/passkeys/{passkeyId}': json('second-factors', 'Remove a passkey; the user\'s other sessions end', api.empty),
  'POST /api/v1/auth/passkey:options': json('auth', 'A one-time passkey challenge (5 min): for a passwordless sign-in, or with mfaToken for the second step; send the assertion to /api/v1/auth/signin as passkeyCredentials.response or secondFactorCredentials.passkey', api.passkeyOptions, { body: passkeyOptionsBody }),
  'GET /auth/assets/webauthn.js': { tag: 'browser', kind: 'script', summary: 'The @simplewebauthn/browser bundle the pages load (CSP script-src \'self\')' },
  'GET /auth/assets/passkeys.js': { tag: 'browser', kind: 'script', summary: 'The pages\' own passkey script (buttons → ceremony endpoints)' },
  'POST /auth/passkey/options': json('browser', 'The sign-in page\'s passkey challenge, bound to this browser session', api.passkeyOptions, { body: passkeyEmptyBody }),
  'POST /auth/passkey': json('browser', 'Sign in with the passkey alone: both cookies, then where to go', api.passkeyPageRedirect, { body: passkeySignInBody }),
  'POST /auth/mfa/passkey/options': json('browser', 'The second step\'s passkey challenge (the pending user\'s passkeys)', api.passkeyOptions, { body: passkeyEmptyBody }),
  'POST /auth/mfa/passkey': json('browser', 'The second step with a passkey: both cookies, then the return URL', api.passkeyPageRedirect, { body: passkeySignInBody }),
  'GET /auth/factors': { tag: 'browser', kind: 'html', summary: 'The signed-in person\'s second factors: list, remove, add a passkey' },
  'POST /auth/factors/passkeys/options': json('browser', 'Start registering a passkey from the factors page (sign-in < 10 min old)', api.passkeyOptions, { body: passkeyEmptyBody }),
  'POST /auth/factors/passkeys': json('browser', 'Finish it; recovery codes once when it is the first factor', api.passkeyPageRegistration, { body: passkeyRegistrationBody }),
  'POST /auth/factors/passkeys/{passkeyId}/delete': json('browser', 'Remove a passkey; the other sessions end', api.empty),
  'POST /auth/factors/totp/delete': json('browser', 'Remove TOTP; the other sessions end', api.empty),
  'POST /auth/signout': { tag: 'browser', kind: 'redirect', summary: 'The browser\'s sign-out: ends the session, then 303 to the provider\'s end_session_endpoint (endSessionAtProvider, id_token_hint) or to /auth' },
  'GET /.well-known/jwks.json': json('forward-auth', 'Public keys (JWKS) that verify the signed upstream identity (GATEWAY_UPSTREAM_JWT_HEADER); retired keys stay until what they signed has expired', api.publicJwks),
};
