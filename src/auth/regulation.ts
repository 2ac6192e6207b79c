// Brute-force regulation (Authelia's "regulation" is the bar): failed attempts are counted per account, per
// (account, client address) and per client address (IPv6 grouped by /64; see ip-key.ts); past the limit the key is
// banned for a while and every attempt, even with the right secret, is 429 with Retry-After, checked before any
// bcrypt work. A client with a valid device cookie for the account (device-cookie.ts) is exempt from the
// per-account ban, so strangers cannot lock the owner out, and counts on the account's own device allowance
// instead, so the total guessing rate per account stays bounded. The counters come from the state layer
// (EphemeralStore.limiter): Redis when configured, with an in-process fallback if Redis fails.
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { resourceExhausted } from '../errors.js';
import { noMetrics, type BanKind, type Metrics } from '../metrics/metrics.js';
import type { EphemeralStore } from '../state/ephemeral-store.js';
import { ipKey } from './ip-key.js';

export { ipKey } from './ip-key.js';

export interface Limit {
  /** Failures allowed inside the window; the next one starts the ban. */
  maxFailures: number;
  windowSeconds: number;
  banSeconds: number;
}

export interface RegulationLimits {
  perUser: Limit;
  perIp: Limit;
  /** Per account and client address: every attempt, from a trusted device or not. */
  perUserIp: Limit;
  /** Per account, attempts from trusted devices only (their own allowance beside perUser). */
  perUserDevice: Limit;
  /** Bad personal access tokens and refresh tokens, per client IP. */
  tokenGuessPerIp: Limit;
}

/** How an attempt is counted: from a client holding a valid device cookie for the account, or not. */
export interface AttemptContext {
  trustedDevice?: boolean;
}

type Scope = 'user' | 'ip' | 'user-ip' | 'user-device' | 'token-ip';

interface Counter {
  limiter: RateLimiterAbstract;
  limit: Limit;
  /** How a ban on this counter is counted in the metrics. */
  banKind: BanKind;
}

/** A counter and the key an attempt is counted under in it. */
type Keyed = [Counter, string];

export class Regulator {
  private readonly user: Counter;
  private readonly ip: Counter;
  private readonly userIp: Counter;
  private readonly userDevice: Counter;
  private readonly tokenIp: Counter;
  /** Per account, how often it was unlocked: part of its (account, address) keys, so an unlock clears them all. */
  private readonly unlocks: RateLimiterAbstract;
  private readonly unlockMemorySeconds: number;

  constructor(
    readonly limits: RegulationLimits,
    store: Pick<EphemeralStore, 'limiter'>,
    keyPrefix = '',
    private readonly metrics: Pick<Metrics, 'banned'> = noMetrics,
  ) {
    const counter = (scope: Scope, limit: Limit, banKind: BanKind): Counter => ({
      limiter: store.limiter({ points: limit.maxFailures, durationSeconds: limit.windowSeconds, keyPrefix: `${keyPrefix}reg:${scope}` }),
      limit,
      banKind,
    });
    this.user = counter('user', limits.perUser, 'user');
    this.ip = counter('ip', limits.perIp, 'ip');
    this.userIp = counter('user-ip', limits.perUserIp, 'user');
    this.userDevice = counter('user-device', limits.perUserDevice, 'user');
    this.tokenIp = counter('token-ip', limits.tokenGuessPerIp, 'token_ip');
    // Remembered as long as an (account, address) key of the previous generation can live.
    this.unlockMemorySeconds = limits.perUserIp.windowSeconds + limits.perUserIp.banSeconds;
    this.unlocks = store.limiter({ points: 1_000_000, durationSeconds: this.unlockMemorySeconds, keyPrefix: `${keyPrefix}reg:unlocks` });
  }

  /** The counters an attempt on `accountKey` from `ip` touches, with the key each is counted under. */
  private async countersOf(accountKey: string, ip: string | undefined, context: AttemptContext): Promise<[Keyed, Keyed, Keyed]> {
    const address = ipKey(ip);
    const generation = (await this.unlocks.get(accountKey))?.consumedPoints ?? 0;
    return [
      [context.trustedDevice ? this.userDevice : this.user, accountKey],
      [this.userIp, `${accountKey}|${generation}|${address}`],
      [this.ip, address],
    ];
  }

  /**
   * Counts the attempt before the password is checked, with one atomic increment per key (INCR in Redis), so a
   * burst of concurrent attempts cannot all pass a check made before any of them failed. Throws 429 when a key
   * is banned or already has its limit of attempts counted. Call before bcrypt.
   */
  async beginSignInAttempt(accountKey: string, ip: string | undefined, context: AttemptContext = {}): Promise<void> {
    const counters = await this.countersOf(accountKey, ip, context);
    const counts = await Promise.all(counters.map(([c, key]) => countAttempt(c.limiter, key)));
    const wait = Math.max(...counts.map((res, i) => overLimit(res, counters[i]![0].limit)));
    if (wait > 0) throw resourceExhausted('too many failed sign-in attempts; try again later', wait / 1000);
  }

  /** The attempt counted by beginSignInAttempt failed (or was refused): each key at its limit is banned. */
  async recordSignInFailure(accountKey: string, ip: string | undefined, context: AttemptContext = {}): Promise<void> {
    const counters = await this.countersOf(accountKey, ip, context);
    const banned = await Promise.all(counters.map(([c, key]) => banIfReached(c, key)));
    for (const kind of new Set(counters.filter((_, i) => banned[i]).map(([c]) => c.banKind))) this.metrics.banned(kind);
  }

  /**
   * A success clears the count it was made under (the account's, or the account's device allowance) and the
   * (account, address) count, and gives the address back the attempt it counted (not more: one good account must
   * not launder a spray). A trusted-device success leaves the account's own count alone: signing in from one's
   * device must not hand a guesser elsewhere a fresh allowance.
   */
  async recordSignInSuccess(accountKey: string, ip: string | undefined, context: AttemptContext = {}): Promise<void> {
    const [[own, ownKey], [pair, pairKey], [address, addressKey]] = await this.countersOf(accountKey, ip, context);
    await Promise.all([own.limiter.delete(ownKey), pair.limiter.delete(pairKey), address.limiter.reward(addressKey, 1)]);
  }

  /**
   * Lifts the account's bans and clears its counts, from every address (the admin API and CLI), so its owner can
   * sign in again at once wherever they mistyped; per-address counts (a sprayer's) stay.
   */
  async unlockAccount(accountKey: string): Promise<void> {
    const generation = (await this.unlocks.get(accountKey))?.consumedPoints ?? 0;
    await Promise.all([
      this.user.limiter.delete(accountKey),
      this.userDevice.limiter.delete(accountKey),
      this.unlocks.set(accountKey, generation + 1, this.unlockMemorySeconds),
    ]);
  }

  async assertTokenAttemptAllowed(ip: string | undefined): Promise<void> {
    const res = await this.tokenIp.limiter.get(ipKey(ip));
    const wait = banRemaining(res, this.tokenIp.limit);
    if (wait > 0) throw resourceExhausted('too many invalid tokens from this address; try again later', wait / 1000);
  }

  async recordTokenFailure(ip: string | undefined): Promise<void> {
    if (await countFailure(this.tokenIp, ipKey(ip))) this.metrics.banned('token_ip');
  }
}

/** Milliseconds left on a ban: the key reached its failure count (the ban replaced the window). */
function banRemaining(res: RateLimiterRes | null, limit: Limit): number {
  return res !== null && res.consumedPoints >= limit.maxFailures ? Math.max(res.msBeforeNext, 1) : 0;
}

/** One more attempt on the key; a refusal from the limiter (already over) is the same count, not an error. */
async function countAttempt(limiter: RateLimiterAbstract, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) return err;
    throw err;
  }
}

/** Milliseconds to wait when this attempt is beyond the limit (a ban, or as many attempts already in flight). */
function overLimit(res: RateLimiterRes, limit: Limit): number {
  return res.consumedPoints > limit.maxFailures ? Math.max(res.msBeforeNext, 1) : 0;
}

/** After a failure: the key that has used up its attempts turns its window into a ban of `banSeconds` (true). */
async function banIfReached({ limiter, limit }: Counter, key: string): Promise<boolean> {
  const res = await limiter.get(key);
  if (res === null || res.consumedPoints < limit.maxFailures) return false;
  await limiter.block(key, limit.banSeconds);
  return true;
}

/** Counts one failure; the one that reaches the limit turns the window into a ban of `banSeconds` (true). */
async function countFailure({ limiter, limit }: Counter, key: string): Promise<boolean> {
  let consumed: number;
  try {
    consumed = (await limiter.consume(key)).consumedPoints;
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    consumed = err.consumedPoints;
  }
  if (consumed < limit.maxFailures) return false;
  await limiter.block(key, limit.banSeconds);
  return true;
}

/** The account a sign-in attempt targets: the user id when known, else the name as the database would match it. */
export function accountKey(userId: number | null, username: string): string {
  return userId !== null ? `id:${userId}` : `name:${username.trim().toLowerCase().slice(0, 64)}`;
}
