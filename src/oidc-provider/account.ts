// Who the OpenID Provider asserts: the gateway user, and only while the gateway session the grant came from is
// live (a revoked session ends every credential derived from it). At the authorization endpoint the browser's own
// `sso_session` cookie must name a live session of that user: the OP session never outlives the gateway's.
import { parse } from 'cookie';
import type { Account, FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import { sha256Hex } from '../auth/secrets.js';
import type { Clock } from '../clock.js';
import { SSO_COOKIE } from '../http/cookies.js';
import type { Store } from '../store/store.js';
import type { User } from '../users/user.js';
import { clientAllows } from './client-access.js';
import { findOidcClient, type ClientLookupDeps } from './client-lookup.js';

export interface AccountDeps {
  store: Pick<Store, 'sessions' | 'users' | 'oidcModels' | 'groups' | 'oidcClients'>;
  clock: Clock;
  deploymentOidcClients: ClientLookupDeps['deploymentOidcClients'];
}

/**
 * The claims of a user, by scope (provider.ts maps scopes to these names). `groups` (scope groups) is the user's
 * effective groups, the list X-Auth-Request-Groups carries.
 */
export function userClaims(user: User, groups: readonly string[]): { sub: string; [claim: string]: unknown } {
  return {
    sub: String(user.id),
    preferred_username: user.username,
    name: user.displayName || user.username,
    ...(user.avatarUrl ? { picture: user.avatarUrl } : {}),
    // Verified only as the user record says (an admin set it, or a provider said email_verified: true; issue 9
    // item 5): the same rule as X-Auth-Request-Email.
    ...(user.email ? { email: user.email, email_verified: user.emailVerified } : {}),
    groups: [...groups],
  };
}

export function ssoTokenOf(cookieHeader: string | undefined): string | null {
  if (!cookieHeader || cookieHeader.length > 16384) return null;
  return parse(cookieHeader)[SSO_COOKIE] ?? null;
}

/** The live gateway session (and its user) the browser's sso_session cookie names, or null. */
export async function findBrowserSession(deps: { store: Pick<Store, 'sessions' | 'users'>; clock: Clock }, cookieHeader: string | undefined) {
  const token = ssoTokenOf(cookieHeader);
  if (token === null || token.length > 64) return null;
  const now = deps.clock.now();
  const session = await deps.store.sessions.findActiveBySsoTokenHash(sha256Hex(token), now);
  if (!session) return null;
  const user = await deps.store.users.findById(session.userId);
  if (!user || user.state !== 'NORMAL') return null;
  return { session, user };
}

async function grantSessionIsLive(deps: AccountDeps, grantId: string, userId: number): Promise<boolean> {
  const sessionId = await deps.store.oidcModels.findSessionOfGrant(grantId);
  if (sessionId === null) return false;
  const session = await deps.store.sessions.findById(sessionId);
  return session !== null && session.userId === userId && session.revokedAt === null && session.expiresAt.getTime() > deps.clock.now().getTime();
}

export function findAccount(deps: AccountDeps): FindAccount {
  return async (ctx: KoaContextWithOIDC, sub: string, token?: unknown): Promise<Account | undefined> => {
    if (!/^[0-9]{1,15}$/.test(sub)) return undefined;
    const user = await deps.store.users.findById(Number(sub));
    if (!user || user.state !== 'NORMAL') return undefined;
    const grantId = (token as { grantId?: unknown } | undefined)?.grantId;
    if (typeof grantId === 'string') {
      if (!(await grantSessionIsLive(deps, grantId, user.id))) return undefined;
    } else {
      const browser = await findBrowserSession(deps, ctx.req.headers.cookie);
      if (!browser || browser.user.id !== user.id) return undefined;
    }
    // The client's allow list holds at every lookup (a refresh or userinfo after the user left it is refused).
    const clientId = ctx.oidc?.client?.clientId;
    if (clientId !== undefined) {
      const client = await findOidcClient(deps, clientId);
      if (!client || !(await clientAllows(deps, client, user))) return undefined;
    }
    return { accountId: String(user.id), claims: async () => userClaims(user, await deps.store.groups.listEffective(user.id)) };
  };
}
