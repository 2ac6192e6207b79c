// Brute-force regulation (Authelia's "regulation" is the bar): failed attempts are counted per account and per
// client IP (IPv6 grouped by /64) with rate-limiter-flexible; past the limit the key is banned for a while and
// every attempt, even with the right secret, is 429 with Retry-After, checked before any bcrypt work. Counters
// live in Redis when configured, with an in-process insurance limiter if Redis fails: degraded to per-replica
// limits, never unlimited.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Cluster, Redis } from 'ioredis';
import { resourceExhausted } from '../errors.js';
import { noMetrics, type Metrics } from '../metrics/metrics.js';

export interface Limit {
  /** Failures allowed inside the window; the next one starts the ban. */
  maxFailures: number;
  windowSeconds: number;
  banSeconds: number;
}

export interface RegulationLimits {
  perUser: Limit;
  perIp: Limit;
  /** Bad personal access tokens and refresh tokens, per client IP. */
  tokenGuessPerIp: Limit;
}

export const DEFAULT_LIMITS: RegulationLimits = {
  perUser: { maxFailures: 5, windowSeconds: 600, banSeconds: 900 },
  perIp: { maxFailures: 20, windowSeconds: 600, banSeconds: 900 },
  tokenGuessPerIp: { maxFailures: 50, windowSeconds: 600, banSeconds: 900 },
};

type Scope = 'user' | 'ip' | 'token-ip';

function limiterFor(scope: Scope, limit: Limit, redis: Redis | Cluster | null, prefix: string): RateLimiterAbstract {
  const options = { points: limit.maxFailures, duration: limit.windowSeconds, keyPrefix: `${prefix}reg:${scope}` };
  const memory = new RateLimiterMemory(options);
  if (!redis) return memory;
  return new RateLimiterRedis({ ...options, storeClient: redis, useRedisPackage: false, insuranceLimiter: memory });
}

/** Groups an address the way attackers get them: IPv4 as is, IPv6 by its /64 prefix. */
export function ipKey(ip: string | undefined): string {
  const addr = (ip ?? '').replace(/^::ffff:/, '');
  if (!addr.includes(':')) return addr || 'unknown';
  const [head = '', tail = ''] = addr.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = addr.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}

export class Regulator {
  private readonly user: RateLimiterAbstract;
  private readonly ip: RateLimiterAbstract;
  private readonly tokenIp: RateLimiterAbstract;

  constructor(
    readonly limits: RegulationLimits,
    redis: Redis | Cluster | null,
    keyPrefix = '',
    private readonly metrics: Pick<Metrics, 'banned'> = noMetrics,
  ) {
    this.user = limiterFor('user', limits.perUser, redis, keyPrefix);
    this.ip = limiterFor('ip', limits.perIp, redis, keyPrefix);
    this.tokenIp = limiterFor('token-ip', limits.tokenGuessPerIp, redis, keyPrefix);
  }

  /**
   * Counts the attempt before the password is checked, with one atomic increment per key (INCR in Redis), so a
   * burst of concurrent attempts cannot all pass a check made before any of them failed. Throws 429 when the
   * account or the address is banned or already has its limit of attempts counted. Call before bcrypt.
   */
  async beginSignInAttempt(accountKey: string, ip: string | undefined): Promise<void> {
    const [byUser, byIp] = await Promise.all([countAttempt(this.user, accountKey), countAttempt(this.ip, ipKey(ip))]);
    const wait = Math.max(overLimit(byUser, this.limits.perUser), overLimit(byIp, this.limits.perIp));
    if (wait > 0) throw resourceExhausted('too many failed sign-in attempts; try again later', wait / 1000);
  }

  /** The attempt counted by beginSignInAttempt failed: the key that has reached its limit is banned. */
  async recordSignInFailure(accountKey: string, ip: string | undefined): Promise<void> {
    const [userBanned, ipBanned] = await Promise.all([banIfReached(this.user, accountKey, this.limits.perUser), banIfReached(this.ip, ipKey(ip), this.limits.perIp)]);
    if (userBanned) this.metrics.banned('user');
    if (ipBanned) this.metrics.banned('ip');
  }

  /**
   * A success clears the account's count and gives the address back the attempt it counted (not more: one good
   * account must not launder a spray).
   */
  async recordSignInSuccess(accountKey: string, ip: string | undefined): Promise<void> {
    await Promise.all([this.user.delete(accountKey), this.ip.reward(ipKey(ip), 1)]);
  }

  /** Lifts the account's ban and forgets its counted failures (the operator's `npm run admin -- unlock`). */
  async unlockAccount(accountKey: string): Promise<void> {
    await this.user.delete(accountKey);
  }

  async assertTokenAttemptAllowed(ip: string | undefined): Promise<void> {
    const res = await this.tokenIp.get(ipKey(ip));
    const wait = banRemaining(res, this.limits.tokenGuessPerIp);
    if (wait > 0) throw resourceExhausted('too many invalid tokens from this address; try again later', wait / 1000);
  }

  async recordTokenFailure(ip: string | undefined): Promise<void> {
    if (await countFailure(this.tokenIp, ipKey(ip), this.limits.tokenGuessPerIp)) this.metrics.banned('token_ip');
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
async function banIfReached(limiter: RateLimiterAbstract, key: string, limit: Limit): Promise<boolean> {
  const res = await limiter.get(key);
  if (res === null || res.consumedPoints < limit.maxFailures) return false;
  await limiter.block(key, limit.banSeconds);
  return true;
}

/** Counts one failure; the one that reaches the limit turns the window into a ban of `banSeconds` (true). */
async function countFailure(limiter: RateLimiterAbstract, key: string, limit: Limit): Promise<boolean> {
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
