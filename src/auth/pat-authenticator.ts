// Checks a `memos_pat_…` bearer: exact format first (junk never reaches the database), then one lookup by the
// SHA-256 of the token, expiry, and the owner re-read so an archived or deleted owner fails at once. A use is
// recorded as "last used" at most once a minute per token, never on the request's critical path.
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { User } from '../users/user.js';
import type { PatAuthenticator } from './authenticate.js';
import { LastUsedThrottle } from './last-used-throttle.js';
import { isPatExpired, isPatFormat } from './personal-access-token.js';
import { constantTimeEqual, sha256Hex } from './secrets.js';

export class StorePatAuthenticator implements PatAuthenticator {
  readonly lastUsed: LastUsedThrottle;

  constructor(
    private readonly store: Pick<Store, 'personalAccessTokens' | 'users'>,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.lastUsed = new LastUsedThrottle((id, at) => this.store.personalAccessTokens.touchLastUsed(id, at), logger);
  }

  async authenticate(token: string): Promise<{ user: User; tokenId: string } | null> {
    if (!isPatFormat(token)) return null;
    const hash = sha256Hex(token);
    const found = await this.store.personalAccessTokens.findByHash(hash);
    // The index lookup already matched; the constant-time compare keeps that match from depending on the
    // database's collation or a future lookup by prefix.
    if (!found || !constantTimeEqual(found.tokenHash, hash)) return null;
    const now = this.clock.now();
    if (isPatExpired(found, now)) return null;
    const user = await this.store.users.findById(found.userId);
    if (!user || user.state !== 'NORMAL') return null;
    this.lastUsed.record(found.id, now);
    return { user, tokenId: found.id };
  }

  /** Waits for "last used" writes already started on this replica (readers that list tokens call this). */
  settle(): Promise<void> {
    return this.lastUsed.settle();
  }
}
