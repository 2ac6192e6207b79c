// The route table: every METHOD path → access level → named handlers, on one screen. The access level of
// every route is declared here and enforced by one guard (http/route-access.ts); nothing is reachable without one.
import { Router, type RequestHandler } from 'express';
import { currentUser, refresh, signIn, signOut } from './auth/auth-handlers.js';
import { listAuditLogs } from './audit/audit-handlers.js';
import { bearerMiddleware } from './auth/authenticate.js';
import { listSigningKeys, rotateSigningKeyHandler } from './auth/key-handlers.js';
import {
  createLegacyAccessToken,
  createPat,
  listLegacyAccessTokens,
  listPats,
  revokeLegacyAccessToken,
  revokePat,
} from './auth/pat-handlers.js';
import type { Deps } from './deps.js';
import { AppError } from './errors.js';
import { verifyRoute } from './forward-auth/verify-handler.js';
import { guard, type Access } from './http/route-access.js';
import { requireOwnOriginWithCookies } from './http/same-origin.js';
import { browserSession, ensureCsrfToken } from './http/browser-session.js';
import { liveness, readiness } from './http/health-handlers.js';
import {
  getInstanceProfile,
  getInstanceSetting,
  patchInstanceSetting,
  patchInstanceSettingLegacy,
} from './settings/settings-handlers.js';
import { createUserHandler } from './users/user-handlers.js';
import {
  createIdentityProviderHandler,
  deleteIdentityProviderHandler,
  getIdentityProvider,
  listIdentityProviders,
  updateIdentityProviderHandler,
} from './sso/idp-handlers.js';
import { showSignInPage, submitSignInForm } from './web/signin-handlers.js';
import { finishSso, startSso } from './web/sso-handlers.js';
import { stylesheet } from './web/stylesheet.js';
import { serveOpenApiDocument } from './openapi/openapi-document.js';
import { servePublicJwks } from './upstream-identity/public-jwks.js';
import { signOutBrowser } from './web/signout-handlers.js';
import { listSessionsHandler, revokeSessionHandler, signOutEverywhereHandler } from './users/session-handlers.js';
import { deleteUserHandler, getUserHandler, listUsersHandler, patchUserHandler } from './users/user-admin-handlers.js';
import { getUserGroupsHandler, patchUserGroupsHandler } from './groups/group-handlers.js';
import {
  confirmEnrollmentTotp,
  confirmTotp,
  deleteTotp,
  listSecondFactors,
  regenerateRecoveryCodesHandler,
  resetSecondFactorsHandler,
  startEnrollmentTotp,
  startTotpEnrollment,
} from './mfa/mfa-handlers.js';
import { showEnrollmentPage, showSecondFactorPage, submitEnrollmentForm, submitSecondFactorForm } from './web/mfa-handlers.js';
import { showInteraction, submitConsent } from './oidc-provider/interactions.js';
import { oidcDiscoveryRoute } from './oidc-provider/mount.js';
import {
  createOidcClientHandler,
  deleteOidcClientHandler,
  getOidcClient,
  listOidcClients,
  oidcClientActionHandler,
  patchOidcClientHandler,
  listOidcConsentsHandler,
  revokeOidcConsentHandler,
} from './oidc-provider/client-handlers.js';
import { liftSignInBanHandler } from './auth/sign-in-ban-handlers.js';
import { consoleEntry, consoleErrorPage } from './web/console-request.js';
import { consoleScript, consoleStylesheet } from './web/console-html.js';
import { rootRedirect, submitSetupForm } from './web/console-setup.js';
import { asBrowserRoute } from './web/browser-errors.js';
import {
  showAccountPage,
  submitConsoleSignOut,
  submitCreateToken,
  submitPassword,
  submitProfile,
  submitRevokeSession,
  submitRevokeToken,
  submitSignOutEverywhere,
} from './web/console-account.js';
import {
  showUserPage,
  showUsersPage,
  submitChangeUser,
  submitCreateUser,
  submitDeleteUser,
  submitResetSecondFactors,
  submitRevokeUserSession,
} from './web/console-admin-users.js';
import {
  showEditProviderPage,
  showNewProviderPage,
  showProvidersPage,
  submitCreateProvider,
  submitDeleteProvider,
  submitTestProvider,
  submitUpdateProvider,
} from './web/console-admin-providers.js';
import { showAuditPage, showKeysPage, submitRotateKey } from './web/console-admin-audit.js';
import { showSettingsPage, submitSettings } from './web/console-admin-settings.js';
import { startLinkFlow, submitUnlink } from './web/console-identities.js';
import { showOidcClientsPage, submitCreateOidcClient, submitDeleteOidcClient, submitRegenerateOidcSecret } from './web/console-admin-oidc.js';
import { submitRevokeApp } from './web/console-apps.js';
import {
  createLinkedIdentityHandler,
  deleteLinkedIdentityHandler,
  getLinkedIdentityHandler,
  listLinkedIdentitiesHandler,
} from './sso/linked-identity-handlers.js';
import {
  createPasskeyHandler,
  deletePasskeyHandler,
  passkeyAuthenticationOptionsHandler,
  passkeyRegistrationOptionsHandler,
} from './mfa/passkey-handlers.js';
import {
  deletePasskeyFromPage,
  deleteTotpFromPage,
  passkeyRegistrationOptions,
  passkeySignIn,
  passkeySignInOptions,
  registerPasskey,
  secondFactorPasskey,
  secondFactorPasskeyOptions,
  showFactorsPage,
} from './web/passkey-handlers.js';
import { passkeysScript, webauthnScript } from './web/assets.js';

export type Method = 'get' | 'post' | 'patch' | 'delete' | 'all';

export interface Route {
  method: Method;
  path: string;
  access: Access;
  /** `ignore`: the route never looks at Authorization (sign-in and refresh must work with a stale bearer). */
  bearer?: 'ignore';
  /**
   * `browser`: a console page (web/console-*.ts). The caller comes from the `sso_session` cookie instead of a
   * bearer (Authorization is ignored), a state-changing request must be same-site with the session's CSRF token,
   * the same guard decides, and errors are HTML pages. `browser-optional`: the same, signed-out callers pass.
   */
  principal?: 'browser' | 'browser-optional';
  handlers: RequestHandler[];
}

export function routeTable(deps: Deps): Route[] {
  const session = browserSession(deps);
  const table: Route[] = [
    { method: 'get', path: '/healthz', access: 'public', bearer: 'ignore', handlers: [liveness] },
    { method: 'get', path: '/readyz', access: 'public', bearer: 'ignore', handlers: [readiness(deps)] },

    // Forward auth: nginx auth_request (X-Original-URL) and Traefik/Caddy (X-Forwarded-*); own checks inside
    // (forward-auth/). app.ts's request listener (createRequestListener) serves both ahead of Express.
    { method: 'all', path: '/auth/verify', access: 'public', bearer: 'ignore', handlers: [verifyRoute(deps)] },
    { method: 'all', path: '/auth/verify/forward-auth', access: 'public', bearer: 'ignore', handlers: [verifyRoute(deps, 'forward-auth')] },
    // Envoy ext_authz: the original path follows the prefix (/auth/verify/envoy/...); app.ts's listener serves those.
    { method: 'all', path: '/auth/verify/envoy', access: 'public', bearer: 'ignore', handlers: [verifyRoute(deps, 'ext-authz')] },

    // Browser sign-in (web/): the page, its password form, and the SSO flow's start and callback. The page opens
    // the browser session (http/browser-session.ts) with its CSRF token.
    { method: 'get', path: '/auth', access: 'public', bearer: 'ignore', handlers: [session, ensureCsrfToken, showSignInPage(deps)] },
    { method: 'post', path: '/auth/signin', access: 'public', bearer: 'ignore', handlers: [session, submitSignInForm(deps)] },
    { method: 'get', path: '/auth/assets/gateway.css', access: 'public', bearer: 'ignore', handlers: [stylesheet] },
    { method: 'get', path: '/auth/sso/:uid', access: 'public', bearer: 'ignore', handlers: [startSso(deps)] },
    { method: 'get', path: '/auth/callback', access: 'public', bearer: 'ignore', handlers: [session, finishSso(deps)] },

    { method: 'post', path: '/api/v1/auth/signin', access: 'public', bearer: 'ignore', handlers: [signIn(deps)] },
    // Both act on cookies: a browser's cross-origin POST (a sibling subdomain is same-site) is refused.
    { method: 'post', path: '/api/v1/auth/refresh', access: 'public', bearer: 'ignore', handlers: [requireOwnOriginWithCookies(deps), refresh(deps)] },
    { method: 'post', path: '/api/v1/auth/signout', access: 'public', handlers: [requireOwnOriginWithCookies(deps), signOut(deps)] },
    { method: 'get', path: '/api/v1/auth/me', access: 'signed-in', handlers: [currentUser()] },

    { method: 'post', path: '/api/v1/users', access: 'public', handlers: [createUserHandler(deps)] },
    { method: 'get', path: '/api/v1/users', access: 'admin', handlers: [listUsersHandler(deps)] },
    { method: 'get', path: '/api/v1/users/:user', access: 'self-or-admin', handlers: [getUserHandler()] },
    { method: 'patch', path: '/api/v1/users/:user', access: 'self-or-admin', handlers: [patchUserHandler(deps)] },
    { method: 'delete', path: '/api/v1/users/:user', access: 'self-or-admin', handlers: [deleteUserHandler(deps)] },

    // Personal access tokens (Memos' shape, then the docs' older shape over the same tokens). Creating one needs
    // an interactive sign-in (younger than 10 minutes, or the password again); a PAT may list and revoke.
    { method: 'get', path: '/api/v1/users/:user/personalAccessTokens', access: 'self-or-admin', handlers: [listPats(deps)] },
    { method: 'post', path: '/api/v1/users/:user/personalAccessTokens', access: 'self-interactive', handlers: [createPat(deps)] },
    { method: 'delete', path: '/api/v1/users/:user/personalAccessTokens/:tokenId', access: 'self', handlers: [revokePat(deps)] },
    { method: 'get', path: '/api/v1/users/:user/access_tokens', access: 'self-or-admin', handlers: [listLegacyAccessTokens(deps)] },
    { method: 'post', path: '/api/v1/users/:user/access_tokens', access: 'self-interactive', handlers: [createLegacyAccessToken(deps)] },
    { method: 'delete', path: '/api/v1/users/:user/access_tokens/:tokenId', access: 'self', handlers: [revokeLegacyAccessToken(deps)] },

    // Sessions (devices), Memos v0.25 shape; DELETE on the collection signs out everywhere.
    { method: 'get', path: '/api/v1/users/:user/sessions', access: 'self-or-admin', handlers: [listSessionsHandler(deps)] },
    { method: 'delete', path: '/api/v1/users/:user/sessions', access: 'self-or-admin', handlers: [signOutEverywhereHandler(deps)] },
    { method: 'delete', path: '/api/v1/users/:user/sessions/:sessionId', access: 'self-or-admin', handlers: [revokeSessionHandler(deps)] },

    { method: 'get', path: '/api/v1/instance/profile', access: 'public', handlers: [getInstanceProfile(deps)] },
    { method: 'get', path: '/api/v1/instance/settings/:key', access: 'public', handlers: [getInstanceSetting(deps)] },
    { method: 'patch', path: '/api/v1/instance/settings/:key', access: 'admin', handlers: [patchInstanceSetting(deps)] },
    { method: 'patch', path: '/api/v1/instance/setting', access: 'admin', handlers: [patchInstanceSettingLegacy(deps)] },

    // Identity providers: the list is public (the sign-in page needs it; never a secret), the rest admin.
    { method: 'get', path: '/api/v1/identity-providers', access: 'public', handlers: [listIdentityProviders(deps)] },
    { method: 'post', path: '/api/v1/identity-providers', access: 'admin', handlers: [createIdentityProviderHandler(deps)] },
    { method: 'get', path: '/api/v1/identity-providers/:uid', access: 'admin', handlers: [getIdentityProvider(deps)] },
    { method: 'patch', path: '/api/v1/identity-providers/:uid', access: 'admin', handlers: [updateIdentityProviderHandler(deps)] },
    { method: 'delete', path: '/api/v1/identity-providers/:uid', access: 'admin', handlers: [deleteIdentityProviderHandler(deps)] },

    // Signing keys: list (no secrets) and rotate (the new kid signs; older kids verify until their tokens expire).
    { method: 'get', path: '/api/v1/instance/signing-keys', access: 'admin', handlers: [listSigningKeys(deps)] },
    { method: 'post', path: '/api/v1/instance/signing-keys', access: 'admin', handlers: [rotateSigningKeyHandler(deps)] },

    { method: 'get', path: '/api/v1/audit-logs', access: 'admin', handlers: [listAuditLogs(deps)] },

    // Second factors (mfa/). Changing them needs an interactive sign-in younger than 10 minutes (never a PAT);
    // `\\:` is a literal colon (custom methods). The /auth/enrollment pair serves a sign-in held back by the policy.
    { method: 'post', path: '/api/v1/users/:user/totp', access: 'self-interactive', handlers: [startTotpEnrollment(deps)] },
    { method: 'post', path: '/api/v1/users/:user/totp\\:confirm', access: 'self-interactive', handlers: [confirmTotp(deps)] },
    { method: 'delete', path: '/api/v1/users/:user/totp', access: 'self-interactive', handlers: [deleteTotp(deps)] },
    { method: 'post', path: '/api/v1/users/:user/recoveryCodes', access: 'self-interactive', handlers: [regenerateRecoveryCodesHandler(deps)] },
    { method: 'get', path: '/api/v1/users/:user/secondFactors', access: 'self-or-admin', handlers: [listSecondFactors(deps)] },
    { method: 'delete', path: '/api/v1/users/:user/secondFactors', access: 'admin', handlers: [resetSecondFactorsHandler(deps)] },
    { method: 'post', path: '/api/v1/auth/enrollment/totp', access: 'public', bearer: 'ignore', handlers: [startEnrollmentTotp(deps)] },
    { method: 'post', path: '/api/v1/auth/enrollment/totp\\:confirm', access: 'public', bearer: 'ignore', handlers: [confirmEnrollmentTotp(deps)] },

    // The browser's second step (web/mfa-handlers.ts): the pending sign-in lives in the browser session.
    { method: 'get', path: '/auth/mfa', access: 'public', bearer: 'ignore', handlers: [session, showSecondFactorPage(deps)] },
    { method: 'post', path: '/auth/mfa', access: 'public', bearer: 'ignore', handlers: [session, submitSecondFactorForm(deps)] },
    { method: 'get', path: '/auth/mfa/enroll', access: 'public', bearer: 'ignore', handlers: [session, showEnrollmentPage(deps)] },
    { method: 'post', path: '/auth/mfa/enroll', access: 'public', bearer: 'ignore', handlers: [session, submitEnrollmentForm(deps)] },
    // Lifting a sign-in ban (the admin CLI's `unlock` does the same).
    { method: 'delete', path: '/api/v1/users/:user/signInBan', access: 'admin', handlers: [liftSignInBanHandler(deps)] },

    // The OpenAPI 3.1 document of this table (openapi/), generated from it and the handlers' zod schemas.
    { method: 'get', path: '/api/v1/openapi.json', access: 'public', bearer: 'ignore', handlers: [serveOpenApiDocument(() => table, deps.config.instanceUrl)] },

    // OpenID Provider (oidc-provider/; its protocol endpoints under /oidc are mounted in app.ts): the login and
    // consent prompts on the gateway's own session, and the relying parties (admin).
    { method: 'get', path: '/oidc/.well-known/openid-configuration', access: 'public', bearer: 'ignore', handlers: [oidcDiscoveryRoute(deps)] },
    { method: 'get', path: '/auth/oidc/interaction/:uid', access: 'public', bearer: 'ignore', handlers: [session, ensureCsrfToken, showInteraction(deps)] },
    { method: 'post', path: '/auth/oidc/interaction/:uid/consent', access: 'public', bearer: 'ignore', handlers: [session, submitConsent(deps)] },
    { method: 'get', path: '/api/v1/oidc-clients', access: 'admin', handlers: [listOidcClients(deps)] },
    { method: 'post', path: '/api/v1/oidc-clients', access: 'admin', handlers: [createOidcClientHandler(deps)] },
    { method: 'get', path: '/api/v1/oidc-clients/:clientId', access: 'admin', handlers: [getOidcClient(deps)] },
    { method: 'patch', path: '/api/v1/oidc-clients/:clientId', access: 'admin', handlers: [patchOidcClientHandler(deps)] },
    { method: 'delete', path: '/api/v1/oidc-clients/:clientId', access: 'admin', handlers: [deleteOidcClientHandler(deps)] },
    { method: 'post', path: '/api/v1/oidc-clients/:clientAction', access: 'admin', handlers: [oidcClientActionHandler(deps)] },

    // Groups (groups/): a user's local groups (given by an admin) and upstream ones (from each provider's sign-in).
    { method: 'get', path: '/api/v1/users/:user/groups', access: 'self-or-admin', handlers: [getUserGroupsHandler(deps)] },
    { method: 'patch', path: '/api/v1/users/:user/groups', access: 'self-or-admin', handlers: [patchUserGroupsHandler(deps)] },
    { method: 'get', path: '/api/v1/users/:user/oidcConsents', access: 'self-or-admin', handlers: [listOidcConsentsHandler(deps)] },
    { method: 'delete', path: '/api/v1/users/:user/oidcConsents/:clientId', access: 'self-or-admin', handlers: [revokeOidcConsentHandler(deps)] },

    // The console (web/console-*.ts): first run, /account for everyone, /admin for admins. Same guard, same
    // domain functions as the API above; the browser session carries the CSRF token (principal: 'browser').
    { method: 'get', path: '/', access: 'public', principal: 'browser-optional', handlers: [rootRedirect()] },
    { method: 'post', path: '/auth/setup', access: 'public', bearer: 'ignore', handlers: [session, asBrowserRoute(deps, submitSetupForm(deps))] },
    { method: 'get', path: '/auth/assets/console.css', access: 'public', bearer: 'ignore', handlers: [consoleStylesheet] },
    { method: 'get', path: '/auth/assets/console.js', access: 'public', bearer: 'ignore', handlers: [consoleScript] },
    { method: 'post', path: '/console/signout', access: 'signed-in', principal: 'browser', handlers: [submitConsoleSignOut(deps)] },
    { method: 'get', path: '/account', access: 'signed-in', principal: 'browser', handlers: [showAccountPage(deps)] },
    { method: 'post', path: '/account/profile', access: 'signed-in', principal: 'browser', handlers: [submitProfile(deps)] },
    { method: 'post', path: '/account/password', access: 'signed-in', principal: 'browser', handlers: [submitPassword(deps)] },
    { method: 'post', path: '/account/sessions/revoke-all', access: 'signed-in', principal: 'browser', handlers: [submitSignOutEverywhere(deps)] },
    { method: 'post', path: '/account/sessions/:sessionId/revoke', access: 'signed-in', principal: 'browser', handlers: [submitRevokeSession(deps)] },
    { method: 'post', path: '/account/tokens', access: 'signed-in', principal: 'browser', handlers: [submitCreateToken(deps)] },
    { method: 'post', path: '/account/tokens/:tokenId/revoke', access: 'signed-in', principal: 'browser', handlers: [submitRevokeToken(deps)] },
    { method: 'get', path: '/account/identities/link/:uid', access: 'signed-in', principal: 'browser', handlers: [startLinkFlow(deps)] },
    { method: 'post', path: '/account/identities/:idpUid/unlink', access: 'signed-in', principal: 'browser', handlers: [submitUnlink(deps)] },
    { method: 'get', path: '/admin', access: 'admin', principal: 'browser', handlers: [(_req, res) => res.redirect(302, '/admin/users')] },
    { method: 'get', path: '/admin/users', access: 'admin', principal: 'browser', handlers: [showUsersPage(deps)] },
    { method: 'post', path: '/admin/users', access: 'admin', principal: 'browser', handlers: [submitCreateUser(deps)] },
    { method: 'get', path: '/admin/users/:user', access: 'admin', principal: 'browser', handlers: [showUserPage(deps)] },
    { method: 'post', path: '/admin/users/:user/role', access: 'admin', principal: 'browser', handlers: [submitChangeUser(deps, 'role')] },
    { method: 'post', path: '/admin/users/:user/state', access: 'admin', principal: 'browser', handlers: [submitChangeUser(deps, 'state')] },
    { method: 'post', path: '/admin/users/:user/delete', access: 'admin', principal: 'browser', handlers: [submitDeleteUser(deps)] },
    { method: 'post', path: '/admin/users/:user/second-factors/reset', access: 'admin', principal: 'browser', handlers: [submitResetSecondFactors(deps)] },
    { method: 'post', path: '/admin/users/:user/sessions/:sessionId/revoke', access: 'admin', principal: 'browser', handlers: [submitRevokeUserSession(deps)] },
    { method: 'get', path: '/admin/providers', access: 'admin', principal: 'browser', handlers: [showProvidersPage(deps)] },
    { method: 'get', path: '/admin/providers/new', access: 'admin', principal: 'browser', handlers: [showNewProviderPage(deps)] },
    { method: 'post', path: '/admin/providers', access: 'admin', principal: 'browser', handlers: [submitCreateProvider(deps)] },
    { method: 'get', path: '/admin/providers/:uid', access: 'admin', principal: 'browser', handlers: [showEditProviderPage(deps)] },
    { method: 'post', path: '/admin/providers/:uid', access: 'admin', principal: 'browser', handlers: [submitUpdateProvider(deps)] },
    { method: 'post', path: '/admin/providers/:uid/delete', access: 'admin', principal: 'browser', handlers: [submitDeleteProvider(deps)] },
    { method: 'post', path: '/admin/providers/:uid/test', access: 'admin', principal: 'browser', handlers: [submitTestProvider(deps)] },
    { method: 'get', path: '/admin/audit', access: 'admin', principal: 'browser', handlers: [showAuditPage(deps)] },
    { method: 'get', path: '/admin/settings', access: 'admin', principal: 'browser', handlers: [showSettingsPage(deps)] },
    { method: 'post', path: '/admin/settings', access: 'admin', principal: 'browser', handlers: [submitSettings(deps)] },
    { method: 'get', path: '/admin/keys', access: 'admin', principal: 'browser', handlers: [showKeysPage(deps)] },
    { method: 'post', path: '/admin/keys/rotate', access: 'admin', principal: 'browser', handlers: [submitRotateKey(deps)] },
    { method: 'post', path: '/account/apps/:clientId/revoke', access: 'signed-in', principal: 'browser', handlers: [submitRevokeApp(deps)] },
    { method: 'get', path: '/admin/oidc-clients', access: 'admin', principal: 'browser', handlers: [showOidcClientsPage(deps)] },
    { method: 'post', path: '/admin/oidc-clients', access: 'admin', principal: 'browser', handlers: [submitCreateOidcClient(deps)] },
    { method: 'post', path: '/admin/oidc-clients/:clientId/secret', access: 'admin', principal: 'browser', handlers: [submitRegenerateOidcSecret(deps)] },
    { method: 'post', path: '/admin/oidc-clients/:clientId/delete', access: 'admin', principal: 'browser', handlers: [submitDeleteOidcClient(deps)] },
    // Linked identities (Memos): list and get (self or admin), link with ssoCredentials (self, interactive), unlink.
    { method: 'get', path: '/api/v1/users/:user/linkedIdentities', access: 'self-or-admin', handlers: [listLinkedIdentitiesHandler(deps)] },
    { method: 'post', path: '/api/v1/users/:user/linkedIdentities', access: 'self-interactive', handlers: [createLinkedIdentityHandler(deps)] },
    { method: 'get', path: '/api/v1/users/:user/linkedIdentities/:idpUid', access: 'self-or-admin', handlers: [getLinkedIdentityHandler(deps)] },
    { method: 'delete', path: '/api/v1/users/:user/linkedIdentities/:idpUid', access: 'self-or-admin', handlers: [deleteLinkedIdentityHandler(deps)] },
    // Passkeys (mfa/passkeys.ts). API: registration and removal (step-up as for TOTP), the sign-in challenge (the
    // assertion goes to /api/v1/auth/signin). Browser (web/passkey-handlers.ts, JSON from /auth/assets/passkeys.js):
    // passwordless sign-in, the second step, and the signed-in person's factors page.
    { method: 'post', path: '/api/v1/users/:user/passkeys\\:options', access: 'self-interactive', handlers: [passkeyRegistrationOptionsHandler(deps)] },
    { method: 'post', path: '/api/v1/users/:user/passkeys', access: 'self-interactive', handlers: [createPasskeyHandler(deps)] },
    { method: 'delete', path: '/api/v1/users/:user/passkeys/:passkeyId', access: 'self-interactive', handlers: [deletePasskeyHandler(deps)] },
    { method: 'post', path: '/api/v1/auth/passkey\\:options', access: 'public', bearer: 'ignore', handlers: [passkeyAuthenticationOptionsHandler(deps)] },
    { method: 'get', path: '/auth/assets/webauthn.js', access: 'public', bearer: 'ignore', handlers: [webauthnScript] },
    { method: 'get', path: '/auth/assets/passkeys.js', access: 'public', bearer: 'ignore', handlers: [passkeysScript] },
    { method: 'post', path: '/auth/passkey/options', access: 'public', bearer: 'ignore', handlers: [session, ensureCsrfToken, passkeySignInOptions(deps)] },
    { method: 'post', path: '/auth/passkey', access: 'public', bearer: 'ignore', handlers: [session, passkeySignIn(deps)] },
    { method: 'post', path: '/auth/mfa/passkey/options', access: 'public', bearer: 'ignore', handlers: [session, secondFactorPasskeyOptions(deps)] },
    { method: 'post', path: '/auth/mfa/passkey', access: 'public', bearer: 'ignore', handlers: [session, secondFactorPasskey(deps)] },
    { method: 'get', path: '/auth/factors', access: 'public', bearer: 'ignore', handlers: [showFactorsPage(deps)] },
    { method: 'post', path: '/auth/factors/passkeys/options', access: 'public', bearer: 'ignore', handlers: [passkeyRegistrationOptions(deps)] },
    { method: 'post', path: '/auth/factors/passkeys', access: 'public', bearer: 'ignore', handlers: [registerPasskey(deps)] },
    { method: 'post', path: '/auth/factors/passkeys/:passkeyId/delete', access: 'public', bearer: 'ignore', handlers: [deletePasskeyFromPage(deps)] },
    { method: 'post', path: '/auth/factors/totp/delete', access: 'public', bearer: 'ignore', handlers: [deleteTotpFromPage(deps)] },
    // The public keys that verify the signed upstream identity (upstream-identity/, X-Auth-Request-Jwt).
    { method: 'get', path: '/.well-known/jwks.json', access: 'public', bearer: 'ignore', handlers: [servePublicJwks(deps)] },
    // The browser's sign-out (web/signout-handlers.ts): on to the provider's end_session_endpoint (endSessionAtProvider).
    { method: 'post', path: '/auth/signout', access: 'public', bearer: 'ignore', handlers: [requireOwnOriginWithCookies(deps), signOutBrowser(deps)] },
  ];
  return table;
}

/**
 * 405 with `Allow` for a known path asked with another method (e.g. GET /api/v1/auth/refresh), instead of a
 * 404 that would suggest the path does not exist. Paths match as Express matches them: case-insensitive,
 * an optional trailing slash, `:param` = one segment.
 */
/** A request path matches a route's path as Express matches it: case-insensitive, optional trailing slash. */
export function routePathPattern(path: string): RegExp {
  // `\:` is a literal colon (a custom method such as `totp:confirm`, Google AIP-136), not a parameter.
  const parts = path.split('\\:').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+'));
  return new RegExp(`^${parts.join(':')}/?$`, 'i');
}

export function methodNotAllowed(routes: Route[]): RequestHandler {
  const byPattern = new Map<string, { regex: RegExp; methods: Set<string> }>();
  for (const route of routes) {
    if (route.method === 'all') continue;
    const entry = byPattern.get(route.path) ?? { regex: routePathPattern(route.path), methods: new Set<string>() };
    entry.methods.add(route.method.toUpperCase());
    if (route.method === 'get') entry.methods.add('HEAD');
    byPattern.set(route.path, entry);
  }
  return (req, _res, next) => {
    for (const { regex, methods } of byPattern.values()) {
      if (regex.test(req.path) && !methods.has(req.method)) {
        const allow = [...methods].join(', ');
        return next(new AppError('METHOD_NOT_ALLOWED', `method ${req.method} is not allowed here (allowed: ${allow})`, { headers: { Allow: allow } }));
      }
    }
    next();
  };
}

export function buildRouter(deps: Deps, routes: Route[] = routeTable(deps)): Router {
  const router = Router();
  const authenticate = bearerMiddleware(deps);
  const consoleEntries = { browser: consoleEntry(deps, { signedIn: true }), 'browser-optional': consoleEntry(deps, { signedIn: false }) };
  for (const route of routes) {
    if (route.principal !== undefined) {
      // Console pages: the browser session's caller, the same guard, errors as HTML pages (web/console-request.ts).
      router[route.method](route.path, consoleEntries[route.principal], guard(deps, route.access), ...route.handlers, consoleErrorPage(deps));
      continue;
    }
    const chain = [...(route.bearer === 'ignore' ? [] : [authenticate]), guard(deps, route.access), ...route.handlers];
    router[route.method](route.path, ...chain);
  }
  router.use(methodNotAllowed(routes));
  return router;
}
