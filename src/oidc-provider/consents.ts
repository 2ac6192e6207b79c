// The apps a user let sign them in: remembered consents and the live grants of their gateway sessions, per
// client; revoking one forgets the consent and revokes every grant the user has with that client, so its access
// and refresh tokens are refused at once (introspection active: false, userinfo 401, refresh invalid_grant).
import type { Clock } from '../clock.js';
import { notFound } from '../errors.js';
import type { EphemeralStore } from '../state/ephemeral-store.js';
import type { Store } from '../store/store.js';
import { revokeGrant } from './adapter.js';
import { findOidcClient, type ClientLookupDeps } from './client-lookup.js';
import { CLIENT_ID_PATTERN } from './client-input.js';

export interface ConsentDeps extends ClientLookupDeps {
  store: Pick<Store, 'oidcClients' | 'oidcConsents' | 'oidcModels' | 'sessions'>;
  ephemeral: EphemeralStore;
  clock: Clock;
}

export interface UserConsent {
  clientId: string;
  /** null when the client is gone (its consent row is still listed, so it can be revoked). */
  clientDisplayName: string | null;
  scopes: string[];
  /** The consent page's answer was remembered (consent: ONCE); false for a live grant of a SKIP client. */
  remembered: boolean;
  grantCount: number;
  createTime: Date | null;
}

interface GrantPayload {
  accountId?: unknown;
  clientId?: unknown;
  openid?: { scope?: unknown };
}

/** The live grants of a user's active gateway sessions, by client id. */
async function grantsByClient(deps: ConsentDeps, userId: number): Promise<Map<string, { ids: string[]; scopes: Set<string> }>> {
  const now = deps.clock.now();
  const sessions = await deps.store.sessions.listActiveByUser(userId, now);
  const grantIds = sessions.length === 0 ? [] : await deps.store.oidcModels.listGrantIdsOfSessions(sessions.map((s) => s.id));
  const byClient = new Map<string, { ids: string[]; scopes: Set<string> }>();
  for (const grantId of grantIds) {
    const record = await deps.store.oidcModels.find('Grant', grantId, now);
    if (!record) continue;
    const payload = JSON.parse(record.payload) as GrantPayload;
    if (String(payload.accountId) !== String(userId) || typeof payload.clientId !== 'string') continue;
    const entry = byClient.get(payload.clientId) ?? { ids: [], scopes: new Set<string>() };
    entry.ids.push(grantId);
    for (const s of String(payload.openid?.scope ?? '').split(' ').filter(Boolean)) entry.scopes.add(s);
    byClient.set(payload.clientId, entry);
  }
  return byClient;
}

export async function listUserConsents(deps: ConsentDeps, userId: number): Promise<UserConsent[]> {
  const [remembered, grants] = await Promise.all([deps.store.oidcConsents.listByUser(userId), grantsByClient(deps, userId)]);
  const clientIds = [...new Set([...remembered.map((r) => r.clientId), ...grants.keys()])].sort();
  const out: UserConsent[] = [];
  for (const clientId of clientIds) {
    const row = remembered.find((r) => r.clientId === clientId);
    const grant = grants.get(clientId);
    const client = await findOidcClient(deps, clientId);
    out.push({
      clientId,
      clientDisplayName: client?.displayName ?? null,
      scopes: row?.scopes ?? [...(grant?.scopes ?? [])].sort(),
      remembered: row !== undefined,
      grantCount: grant?.ids.length ?? 0,
      createTime: row?.createdAt ?? null,
    });
  }
  return out;
}

/** Forgets the consent and revokes the user's grants with the client; NOT_FOUND when there is neither. */
export async function revokeUserConsent(deps: ConsentDeps, userId: number, clientId: string): Promise<{ grantsRevoked: number }> {
  if (!CLIENT_ID_PATTERN.test(clientId)) throw notFound('no consent for this application');
  const grants = (await grantsByClient(deps, userId)).get(clientId)?.ids ?? [];
  const forgotten = await deps.store.oidcConsents.revoke(userId, clientId);
  if (!forgotten && grants.length === 0) throw notFound('no consent for this application');
  for (const grantId of grants) await revokeGrant({ ephemeral: deps.ephemeral, models: deps.store.oidcModels }, grantId);
  return { grantsRevoked: grants.length };
}
