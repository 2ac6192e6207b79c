// The OpenID Provider: panva's oidc-provider configured for the gateway (issuer <instance>/oidc, authorization
// code only, PKCE S256, the gateway's own sign-in and consent pages, keys and clients from the database), built
// again when the signing keys change (a rotation on any replica is picked up within KEY_RELOAD_MS).
import { createHash, createHmac } from 'node:crypto';
import { serialize } from 'cookie';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { recordAudit } from '../audit/audit-log.js';
import { sha256Hex, constantTimeEqual } from '../auth/secrets.js';
import type { EventEmitter } from 'node:events';
import type { KeyRing } from '../auth/keys.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { GatewayEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { Metrics, OidcEndpoint, OidcOutcome } from '../metrics/metrics.js';
import type { EphemeralStore } from '../state/ephemeral-store.js';
import type { Store } from '../store/store.js';
import { SSO_COOKIE } from '../http/cookies.js';
import { revokeSessions } from '../sessions/session-lifecycle.js';
import { findAccount, findBrowserSession } from './account.js';
import { createAdapterClass, revokeGrant } from './adapter.js';
import { oidcPageCsp, originsOf, renderLoggedOutPage, renderLogoutPage, renderProviderError } from '../web/oidc-pages.js';
import { ensureSigningKeys, loadProviderJwks } from './signing-keys.js';
import type { ClientTokenLifetimes, OidcClient } from './oidc-storage.js';
import { findOidcClient } from './client-lookup.js';
import type { DeploymentOidcClients } from './deployment-clients.js';
import { boundedFetch } from '../sso/outbound-fetch.js';

/**
 * The gateway's own client metadata (client-metadata.ts) as oidc-provider keeps them on a Client: extra metadata
 * stays snake_case (only the RFC 7591 names are camelCased).
 */
interface GatewayClientFields {
  gateway_require_pkce?: boolean;
  gateway_refresh_tokens?: boolean;
  gateway_token_lifetimes?: Partial<ClientTokenLifetimes>;
}

/** A token lifetime of the client (seconds), or the OP's default for that token. */
function lifetimeOf(client: unknown, token: keyof ClientTokenLifetimes, fallback: number): number {
  const value = (client as GatewayClientFields | undefined)?.gateway_token_lifetimes?.[token];
  return typeof value === 'number' && value > 0 ? value : fallback;
}

export const OIDC_MOUNT_PATH = '/oidc';
export const INTERACTION_PATH = '/auth/oidc/interaction';
const KEY_RELOAD_MS = 60_000;

export const TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  IdToken: 3600,
  Interaction: 3600,
  RefreshToken: 30 * 24 * 3600,
  Session: 14 * 24 * 3600,
  Grant: 30 * 24 * 3600,
} as const;

/** What the OpenID Provider reads (spelled out: deps.ts builds it, so it must not import deps.ts back). */
export interface OidcDeps {
  config: Config;
  store: Store;
  ephemeral: EphemeralStore;
  clock: Clock;
  logger: Logger;
  keys: KeyRing;
  events: EventEmitter<GatewayEvents>;
  metrics: Metrics;
  deploymentOidcClients: DeploymentOidcClients;
}

export function issuerOf(config: Config): string {
  return `${config.instanceUrl}${OIDC_MOUNT_PATH}`;
}

function derivedSecret(deps: OidcDeps, label: string): string[] {
  // From the gateway's own signing secrets (newest first), never the secret itself.
  return [...deps.keys.keys].reverse().map((k) => createHmac('sha256', Buffer.from(k.kid)).update(label).update(String(k.createdAt.getTime())).digest('base64url'));
}

function originOfCtx(ctx: KoaContextWithOIDC) {
  return { ipAddress: (ctx.ip ?? '').replace(/^::ffff:/, ''), userAgent: (ctx.get('user-agent') ?? '').slice(0, 512) };
}

async function buildProvider(deps: OidcDeps, jwks: { keys: unknown[] }): Promise<Provider> {
  const findClient = (id: string) => findOidcClient(deps, id);
  const pairwiseSalt = derivedSecret(deps, 'oidc pairwise subject')[0]!;
  const secureCookies = deps.config.forceSecureCookies || deps.config.instanceOrigin.startsWith('https:');
  const configuration: Configuration = {
    adapter: createAdapterClass({ clock: deps.clock, ephemeral: deps.ephemeral, models: deps.store.oidcModels, findClient }),
    clients: [],
    findAccount: findAccount(deps),
    jwks: jwks as Configuration['jwks'],
    cookies: {
      keys: derivedSecret(deps, 'oidc cookies'),
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies },
    },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    claims: {
      // amr (RFC 8176) and auth_time ride with openid so that it reaches the ID token (oidc-provider masks claims by scope).
      openid: ['sub', 'amr', 'auth_time'],
      profile: ['preferred_username', 'name', 'picture'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // Scope claims also in the ID token: apps such as mod_auth_openidc and Grafana read them from there.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    subjectTypes: ['public', 'pairwise'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'] } as Configuration['enabledJWA'],
    pkce: {
      // RFC 7636 / RFC 9700 §2.1.1: always for public clients; for confidential ones when the client asks for it.
      required: (_ctx, client) => client.clientAuthMethod === 'none' || (client as unknown as GatewayClientFields).gateway_require_pkce !== false,
    },
    extraClientMetadata: {
      properties: ['gateway_require_pkce', 'gateway_refresh_tokens', 'gateway_token_lifetimes'],
      validator: () => undefined,
    },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          const target = (ctx.oidc.session?.state as { postLogoutRedirectUri?: string } | undefined)?.postLogoutRedirectUri;
          ctx.set('Content-Security-Policy', oidcPageCsp(originsOf(target ? [target] : [])));
          ctx.type = 'html';
          ctx.body = renderLogoutPage(form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.set('Content-Security-Policy', oidcPageCsp([]));
          ctx.type = 'html';
          ctx.body = renderLoggedOutPage();
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}` },
    issueRefreshToken: async (_ctx, client, code) => {
      if (!client.grantTypeAllowed('refresh_token')) return false;
      if (code.scopes.has('offline_access')) return true;
      return (client as unknown as GatewayClientFields).gateway_refresh_tokens === true;
    },
    rotateRefreshToken: true,
    // A grant is reused only within the gateway session it came from; a new session consents (or skips) anew.
    loadExistingGrant: async (ctx) => {
      const fromConsent = (ctx.oidc.result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId;
      const grantId = fromConsent || ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      if (!grantId) return undefined;
      const [boundTo, browser] = await Promise.all([deps.store.oidcModels.findSessionOfGrant(grantId), findBrowserSession(deps, ctx.req.headers.cookie)]);
      if (boundTo === null || browser === null || browser.session.id !== boundTo) return undefined;
      return ctx.oidc.provider.Grant.find(grantId);
    },
    pairwiseIdentifier: (_ctx, accountId, client) =>
      createHash('sha256').update(pairwiseSalt).update('\0').update(String(client.sectorIdentifier ?? client.clientId)).update('\0').update(accountId).digest('base64url'),
    // Per-client lifetimes (client-input.ts bounds them); the rest of the models keep the OP's defaults.
    ttl: {
      ...TTL,
      AccessToken: (_ctx, _token, client) => lifetimeOf(client, 'accessToken', TTL.AccessToken),
      IdToken: (_ctx, _token, client) => lifetimeOf(client, 'idToken', TTL.IdToken),
      RefreshToken: (_ctx, _token, client) => lifetimeOf(client, 'refreshToken', TTL.RefreshToken),
    },
    renderError: async (ctx, out) => {
      ctx.set('Content-Security-Policy', oidcPageCsp([]));
      ctx.type = 'html';
      ctx.body = renderProviderError(String(out.error), typeof out.error_description === 'string' ? out.error_description : undefined);
    },
    allowOmittingSingleRegisteredRedirectUri: false,
    // Calls to clients (back-channel logout) follow the gateway's one outbound policy (GATEWAY_OUTBOUND_DENY_PRIVATE):
    // the address connected to is checked after name resolution; link-local and metadata addresses never.
    fetch: (url, options) => {
      const { dispatcher: _ignored, ...init } = options as RequestInit & { dispatcher?: unknown };
      return boundedFetch(String(url), init, deps.config);
    },
  };
  const provider = new Provider(issuerOf(deps.config), configuration);
  // mount.ts hands Koa the scheme, host and client IP that Express decided under GATEWAY_TRUSTED_PROXIES.
  provider.proxy = true;

  // Client secrets are kept as SHA-256 only: compare the hash of what the client presents, in constant time.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: string) {
    return typeof this.clientSecret === 'string' && constantTimeEqual(this.clientSecret, sha256Hex(actual));
  };

  // gateway_oidc_requests_total: outermost, so it sees the status the provider's own error handling settled on.
  provider.use(async (koa, next) => {
    try {
      await next();
    } finally {
      deps.metrics.oidcRequest(oidcEndpointOf(koa.path), oidcOutcomeOf(koa.status, koa.response.get('location')));
    }
  });

  // RP-initiated logout ends the gateway session it came from (and its cookie), not only the OP session.
  provider.use(async (koa, next) => {
    const ctx = koa as unknown as KoaContextWithOIDC;
    await next();
    if (ctx.path !== '/session/end/confirm' || ctx.status !== 303) return;
    if (!ctx.oidc?.params?.logout) return;
    const browser = await findBrowserSession(deps, ctx.req.headers.cookie);
    if (!browser) return;
    await revokeSessions(deps, [browser.session.id]);
    const expired = serialize(SSO_COOKIE, '', { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies, maxAge: 0, ...(deps.config.cookieDomain ? { domain: deps.config.cookieDomain } : {}) });
    ctx.append('Set-Cookie', expired);
    await recordAudit(deps, 'oidc.logout', originOfCtx(ctx), { actorUserId: browser.user.id, subjectUserId: browser.user.id, subject: browser.user.username, detail: { sessionId: browser.session.id } });
  });

  provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
    const userId = Number(ctx.oidc.session?.accountId);
    void recordAudit(deps, 'oidc.authorize', originOfCtx(ctx), { actorUserId: userId || null, subjectUserId: userId || null, subject: ctx.oidc.client?.clientId ?? '' });
  });
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const refresh = ctx.oidc.params?.grant_type === 'refresh_token';
    const userId = Number(ctx.oidc.account?.accountId);
    void recordAudit(deps, refresh ? 'oidc.refresh' : 'oidc.token', originOfCtx(ctx), { actorUserId: userId || null, subjectUserId: userId || null, subject: ctx.oidc.client?.clientId ?? '' });
  });
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: { error?: string }) => {
    void recordAudit(deps, 'oidc.denied', originOfCtx(ctx), { subject: ctx.oidc?.client?.clientId ?? '', detail: { step: 'token', error: String(err.error ?? 'server_error') } });
  });
  provider.on('backchannel.error', (_ctx: unknown, err: unknown, client: { clientId?: string }) => deps.logger.warn({ err, clientId: client?.clientId }, 'back-channel logout failed'));
  provider.on('server_error', (_ctx: unknown, err: unknown) => deps.logger.error({ err }, 'oidc provider error'));
  return provider;
}

/** The metric's endpoint label of a path under /oidc (a fixed set: never the path itself). */
export function oidcEndpointOf(path: string): OidcEndpoint {
  if (path === '/.well-known/openid-configuration') return 'discovery';
  if (path === '/jwks') return 'jwks';
  if (path === '/auth' || path.startsWith('/auth/')) return 'authorization';
  if (path === '/token') return 'token';
  if (path === '/me') return 'userinfo';
  if (path === '/token/introspection') return 'introspection';
  if (path === '/token/revocation') return 'revocation';
  if (path === '/session/end' || path.startsWith('/session/end/')) return 'end_session';
  return 'other';
}

export function oidcOutcomeOf(status: number, location: string): OidcOutcome {
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'error';
  // RFC 6749 §4.1.2.1: an authorization error travels to the client in the redirect's query.
  if (status >= 300 && /[?&#]error=/.test(location)) return 'error';
  return 'success';
}

/** The provider of this replica; rebuilt when the signing keys in the database change. */
export class OidcProvider {
  private provider: Promise<Provider> | null = null;
  private fingerprint = '';
  private checkedAt = 0;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: OidcDeps) {}

  /** Makes the first keys when there are none and builds the provider; also ends grants of revoked sessions. */
  async start(): Promise<void> {
    await ensureSigningKeys(this.deps.store.oidcKeys, this.deps.clock.now());
    await this.current();
    const onRevoked = (sessionIds: string[]) => void this.revokeGrantsOfSessions(sessionIds);
    this.deps.events.on('sessions-revoked', onRevoked);
    this.unsubscribe = () => this.deps.events.off('sessions-revoked', onRevoked);
  }

  stop(): void {
    this.unsubscribe?.();
  }

  async current(): Promise<Provider> {
    const now = this.deps.clock.now().getTime();
    if (this.provider === null || Date.now() - this.checkedAt > KEY_RELOAD_MS) {
      this.checkedAt = Date.now();
      const jwks = await loadProviderJwks(this.deps.store.oidcKeys, new Date(now));
      if (this.provider === null || jwks.fingerprint !== this.fingerprint) {
        this.fingerprint = jwks.fingerprint;
        this.provider = buildProvider(this.deps, jwks);
      }
    }
    return this.provider;
  }

  /** Forces the next current() to look at the keys again (after a rotation on this replica). */
  reloadKeys(): void {
    this.checkedAt = 0;
  }

  async revokeGrantsOfSessions(sessionIds: readonly string[]): Promise<void> {
    try {
      const grantIds = await this.deps.store.oidcModels.listGrantIdsOfSessions(sessionIds);
      for (const grantId of grantIds) await revokeGrant({ ephemeral: this.deps.ephemeral, models: this.deps.store.oidcModels }, grantId);
    } catch (err) {
      // Still safe: findAccount refuses every token of a grant whose gateway session is gone.
      this.deps.logger.warn({ err }, 'could not revoke the OpenID grants of revoked sessions');
    }
  }
}
