// oidc-provider's storage adapter over the gateway's storage. Long-lived models (Grant, RefreshToken) live in the
// database (OidcModelRepository); short-lived ones (Session, Interaction, AuthorizationCode, AccessToken,
// ReplayDetection, PushedAuthorizationRequest, …) in the ephemeral store with their TTL, so a code consumed or a
// session ended on one replica is so on all. Clients come from the database and the deployment file, read-only.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { EphemeralStore } from '../state/ephemeral-store.js';
import type { OidcClient, OidcModelRepository } from './oidc-storage.js';
import { clientMetadata } from './client-metadata.js';

export const DURABLE_MODELS = new Set(['Grant', 'RefreshToken']);
/** A revoked grant's short-lived tokens are refused for this long (longer than any of their lifetimes). */
const GRANT_REVOCATION_MEMORY_MS = 2 * 24 * 60 * 60 * 1000;
const DEFAULT_EPHEMERAL_TTL_MS = 60 * 60 * 1000;

export interface AdapterDeps {
  clock: Clock;
  ephemeral: EphemeralStore;
  models: OidcModelRepository;
  /** A relying party by id (database, then the deployment file), or null. */
  findClient(clientId: string): Promise<OidcClient | null>;
}

const key = (model: string, id: string) => `oidc:${model}:${id}`;
const consumedKey = (model: string, id: string) => `oidc:consumed:${model}:${id}`;
const uidKey = (uid: string) => `oidc:Session-uid:${uid}`;
const revokedGrantKey = (grantId: string) => `oidc:revoked-grant:${grantId}`;

/** Revokes a grant everywhere: its durable rows go, its short-lived tokens are refused from now on. */
export async function revokeGrant(deps: Pick<AdapterDeps, 'ephemeral' | 'models'>, grantId: string): Promise<void> {
  await deps.ephemeral.set(revokedGrantKey(grantId), '1', GRANT_REVOCATION_MEMORY_MS);
  await deps.models.revokeByGrantId(grantId);
}

export function createAdapterClass(deps: AdapterDeps): new (name: string) => Adapter {
  return class GatewayAdapter implements Adapter {
    constructor(private readonly name: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.name === 'Client') throw new Error('clients are managed through the gateway API');
      const now = deps.clock.now().getTime();
      const grantId = typeof payload.grantId === 'string' ? payload.grantId : null;
      if (DURABLE_MODELS.has(this.name)) {
        const expiresAt = expiresIn ? new Date(now + expiresIn * 1000) : null;
        await deps.models.upsert(this.name, id, { payload: JSON.stringify(payload), grantId, expiresAt });
        return;
      }
      const ttlMs = expiresIn ? expiresIn * 1000 : DEFAULT_EPHEMERAL_TTL_MS;
      await deps.ephemeral.set(key(this.name, id), JSON.stringify(payload), ttlMs);
      if (this.name === 'Session' && typeof payload.uid === 'string') await deps.ephemeral.set(uidKey(payload.uid), id, ttlMs);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') {
        const client = await deps.findClient(id);
        return client ? (clientMetadata(client) as AdapterPayload) : undefined;
      }
      if (DURABLE_MODELS.has(this.name)) {
        const record = await deps.models.find(this.name, id, deps.clock.now());
        if (!record) return undefined;
        const payload = JSON.parse(record.payload) as AdapterPayload;
        if (record.consumedAt) payload.consumed = Math.floor(record.consumedAt.getTime() / 1000);
        return payload;
      }
      const raw = await deps.ephemeral.get(key(this.name, id));
      if (raw === null) return undefined;
      const payload = JSON.parse(raw) as AdapterPayload;
      if (typeof payload.grantId === 'string' && (await deps.ephemeral.get(revokedGrantKey(payload.grantId))) !== null) return undefined;
      if ((await deps.ephemeral.get(consumedKey(this.name, id))) !== null) payload.consumed = Math.floor(deps.clock.now().getTime() / 1000);
      return payload;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = await deps.ephemeral.get(uidKey(uid));
      return id === null ? undefined : this.find(id);
    }

    async findByUserCode(): Promise<AdapterPayload | undefined> {
      return undefined; // device flow is not enabled
    }

    async consume(id: string): Promise<void> {
      if (DURABLE_MODELS.has(this.name)) {
        await deps.models.consume(this.name, id, deps.clock.now());
        return;
      }
      // A marker beside the record (seen by every replica through the shared store); the record keeps its own TTL.
      await deps.ephemeral.set(consumedKey(this.name, id), '1', DEFAULT_EPHEMERAL_TTL_MS);
    }

    async destroy(id: string): Promise<void> {
      if (DURABLE_MODELS.has(this.name)) return deps.models.destroy(this.name, id);
      await deps.ephemeral.delete(key(this.name, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await revokeGrant(deps, grantId);
    }
  };
}
