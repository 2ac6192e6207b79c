// Configuration: the environment read once, validated with zod (every problem reported together), then frozen.
// Nothing else in src/ reads process.env; main.ts hands the raw environment to loadConfig.
import { isIP } from 'node:net';
import { z } from 'zod';
import { deepFreeze } from './config-file.js';
import { parseRedisTarget, type RedisTarget } from './state/redis-target.js';

const MODES = ['prod', 'dev', 'demo'] as const;

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  GATEWAY_HOST: z.string().min(1).default('0.0.0.0'),
  GATEWAY_INSTANCE_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8081'),
  GATEWAY_DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|mysql:\/\/)/, 'must start with sqlite: or mysql://')
    .default('sqlite:./data/gateway.db'),
  GATEWAY_REDIS_URL: z.string().min(1).optional(),
  GATEWAY_REDIS_CLUSTER_NODES: z.string().min(1).optional(),
  GATEWAY_REDIS_CLUSTER_PASSWORD: z.string().min(1).optional(),
  GATEWAY_MODE: z.enum(MODES).default('prod'),
  GATEWAY_TRUSTED_PROXIES: z.string().min(1).default('loopback'),
  GATEWAY_ALLOWED_REDIRECT_HOSTS: z.string().optional(),
  GATEWAY_COOKIE_DOMAIN: z
    .string()
    .regex(/^\.?[a-z0-9.-]+$/i, 'must be a bare domain such as .example.com')
    .optional(),
  GATEWAY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GATEWAY_BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(10),
  GATEWAY_SESSION_MAX_AGE_DAYS: positiveInt(90),
  GATEWAY_DB_POOL_SIZE: positiveInt(10),
  GATEWAY_DB_QUERY_TIMEOUT_MS: positiveInt(5000),
  GATEWAY_IDP_FILE: z.string().min(1).optional(),
  GATEWAY_ACCESS_RULES_FILE: z.string().min(1).optional(),
  GATEWAY_SECURE_COOKIES: bool.optional(),
  GATEWAY_OUTBOUND_DENY_PRIVATE: bool.default(false),
  GATEWAY_SIGNIN_MAX_FAILURES_PER_USER: positiveInt(5),
  GATEWAY_SIGNIN_MAX_FAILURES_PER_IP: positiveInt(20),
  GATEWAY_TOKEN_MAX_FAILURES_PER_IP: positiveInt(50),
  GATEWAY_REGULATION_WINDOW_SECONDS: positiveInt(600),
  GATEWAY_REGULATION_BAN_SECONDS: positiveInt(900),
  GATEWAY_SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  GATEWAY_METRICS_ADDR: z
    .string()
    .regex(/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5}$/i, 'must be host:port, e.g. 127.0.0.1:9464')
    .optional(),
  GATEWAY_SECRETS_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  GATEWAY_OIDC_PROVIDER: bool.default(true),
  GATEWAY_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  GATEWAY_REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/, 'letters, digits, : _ - (at most 64)').default('gw:'),
});

export type Mode = (typeof MODES)[number];

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Public base URL as users see it (no trailing slash). */
  readonly instanceUrl: string;
  readonly instanceOrigin: string;
  readonly instanceHost: string;
  readonly database:
    | { readonly kind: 'sqlite'; readonly file: string }
    | { readonly kind: 'mysql'; readonly url: string; readonly poolSize: number; readonly queryTimeoutMs: number };
  /** One Redis, a Sentinel-managed primary or a Cluster; null: in-process ephemeral state (one machine only). */
  readonly redis: RedisTarget | null;
  readonly mode: Mode;
  /** Express `trust proxy` value: a list of addresses, subnets or the names loopback/linklocal/uniquelocal. */
  readonly trustedProxies: readonly string[];
  /** Exact hosts, or `.example.com` for the domain and its subdomains. */
  readonly allowedRedirectHosts: readonly string[];
  readonly cookieDomain: string | null;
  readonly logLevel: string;
  readonly bcryptCost: number;
  readonly sessionMaxAgeMs: number;
  readonly idpFile: string | null;
  readonly accessRulesFile: string | null;
  /** Force `Secure` on cookies even when neither the instance URL nor the request is https. */
  readonly forceSecureCookies: boolean;
  /** Refuse identity providers on private and loopback addresses too (link-local and metadata: always). */
  readonly outboundDenyPrivate: boolean;
  /** On SIGTERM: how long readiness answers 503 while still serving, so load balancers stop sending work. */
  readonly shutdownDelayMs: number;
  /** Brute-force regulation: failures allowed per window before a ban, per account, per IP, per IP for tokens. */
  /** The OpenID Provider at <instance>/oidc (GATEWAY_OIDC_PROVIDER, on by default). */
  readonly oidcProvider: boolean;
  readonly regulation: {
    readonly perUser: Limit;
    readonly perIp: Limit;
    readonly tokenGuessPerIp: Limit;
    /** Per (account, address), and per account from trusted devices: both the per-account number. */
    readonly perUserIp: Limit;
    readonly perUserDevice: Limit;
  };
  /** The Prometheus listener (its own address, never the public port); null: metrics off. */
  readonly metrics: { readonly host: string; readonly port: number } | null;
  /** GATEWAY_WORKERS: node:cluster workers sharing the port (1: no cluster); > 1 only with Redis. */
  readonly workers: number;
  /** GATEWAY_REDIS_KEY_PREFIX: every Redis key and the event relay's channel start with it (default gw:). */
  readonly redisKeyPrefix: string;
  /** Key material for second-factor secrets at rest; null: derived from the instance secret (BASIC). */
  readonly secretsKey: string | null;
}

interface Limit {
  readonly maxFailures: number;
  readonly windowSeconds: number;
  readonly banSeconds: number;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Validates a raw environment; returns every problem at once instead of stopping at the first. */
export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  const raw = Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = schema.safeParse(raw);
  // Parsed apart from the schema so that its problems are listed with the schema's.
  const redis = parseRedisTarget({
    url: raw.GATEWAY_REDIS_URL,
    clusterNodes: raw.GATEWAY_REDIS_CLUSTER_NODES,
    clusterPassword: raw.GATEWAY_REDIS_CLUSTER_PASSWORD,
  });
  const errors: string[] = redis.ok ? [] : [...redis.errors];
  if (!parsed.success) {
    return { ok: false, errors: [...parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`), ...errors] };
  }
  const e = parsed.data;
  const instance = new URL(e.GATEWAY_INSTANCE_URL);
  const instanceUrl = instance.origin + instance.pathname.replace(/\/+$/, '');
  const database = e.GATEWAY_DATABASE_URL.startsWith('sqlite:')
    ? ({ kind: 'sqlite', file: e.GATEWAY_DATABASE_URL.slice('sqlite:'.length) } as const)
    : ({ kind: 'mysql', url: e.GATEWAY_DATABASE_URL, poolSize: e.GATEWAY_DB_POOL_SIZE, queryTimeoutMs: e.GATEWAY_DB_QUERY_TIMEOUT_MS } as const);
  if (database.kind === 'sqlite' && database.file.length === 0) {
    errors.push('GATEWAY_DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./data/gateway.db');
  }
  if (database.kind === 'mysql') {
    try {
      new URL(database.url);
    } catch {
      errors.push('GATEWAY_DATABASE_URL: not a valid mysql:// URL');
    }
  }
  if (e.GATEWAY_MODE === 'demo') {
    // Demo mode signs with a public constant; it must never be reachable as a real deployment.
    if (instance.protocol === 'https:') errors.push('GATEWAY_MODE: demo refuses an https GATEWAY_INSTANCE_URL');
    if (database.kind === 'mysql') errors.push('GATEWAY_MODE: demo refuses a MySQL GATEWAY_DATABASE_URL');
  }
  const allowedRedirectHosts = (e.GATEWAY_ALLOWED_REDIRECT_HOSTS ?? instance.host)
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h.length > 0);
  for (const h of allowedRedirectHosts) {
    if (!/^\.?[a-z0-9.-]+(:\d+)?$/.test(h) || h === '.') {
      errors.push(`GATEWAY_ALLOWED_REDIRECT_HOSTS: "${h}" is not a host or .domain`);
    }
  }
  const limit = (maxFailures: number): Limit => ({
    maxFailures,
    windowSeconds: e.GATEWAY_REGULATION_WINDOW_SECONDS,
    banSeconds: e.GATEWAY_REGULATION_BAN_SECONDS,
  });
  const trustedProxies = e.GATEWAY_TRUSTED_PROXIES.split(',').map((s) => s.trim()).filter(Boolean);
  const ranges: ProxyRange[] = [];
  let allValid = true;
  for (const p of trustedProxies) {
    // Trusting everyone lets any client choose its own IP and scheme (X-Forwarded-For / -Proto), however spelt.
    const range = ['true', '*', '0/0'].includes(p.toLowerCase()) ? parseProxyRange('::/0') : parseProxyRange(p);
    if (range === null) errors.push(`GATEWAY_TRUSTED_PROXIES: "${p}" is not an IP address, a CIDR or loopback/linklocal/uniquelocal`);
    else ranges.push(...range);
    allValid &&= range !== null;
  }
  if (allValid && (covers(ranges, 4) || covers(ranges, 6))) {
    errors.push(`GATEWAY_TRUSTED_PROXIES: "${e.GATEWAY_TRUSTED_PROXIES}" would trust every client; list your proxies' addresses or CIDRs`);
  }
  const metrics = parseMetricsAddr(e.GATEWAY_METRICS_ADDR);
  if (metrics !== null && (metrics.port < 1 || metrics.port > 65535)) errors.push('GATEWAY_METRICS_ADDR: the port must be 1-65535');
  if (metrics !== null && metrics.port === e.GATEWAY_PORT) errors.push('GATEWAY_METRICS_ADDR: must not be the public port (GATEWAY_PORT)');
  if (e.GATEWAY_WORKERS > 1 && redis.ok && redis.target === null) {
    errors.push(
      `GATEWAY_WORKERS: ${e.GATEWAY_WORKERS} workers need GATEWAY_REDIS_URL (or GATEWAY_REDIS_CLUSTER_NODES): workers share nothing in memory, so SSO flow state, rate limits and cache invalidation must live in Redis`,
    );
  }
  if (errors.length > 0 || !redis.ok) return { ok: false, errors };
  const config: Config = {
    port: e.GATEWAY_PORT,
    host: e.GATEWAY_HOST,
    instanceUrl,
    instanceOrigin: instance.origin,
    instanceHost: instance.host.toLowerCase(),
    database,
    redis: redis.target,
    mode: e.GATEWAY_MODE,
    trustedProxies,
    allowedRedirectHosts,
    cookieDomain: e.GATEWAY_COOKIE_DOMAIN ?? null,
    logLevel: e.GATEWAY_LOG_LEVEL,
    bcryptCost: e.GATEWAY_BCRYPT_COST,
    sessionMaxAgeMs: e.GATEWAY_SESSION_MAX_AGE_DAYS * DAY_MS,
    idpFile: e.GATEWAY_IDP_FILE ?? null,
    accessRulesFile: e.GATEWAY_ACCESS_RULES_FILE ?? null,
    forceSecureCookies: e.GATEWAY_SECURE_COOKIES ?? false,
    outboundDenyPrivate: e.GATEWAY_OUTBOUND_DENY_PRIVATE,
    shutdownDelayMs: e.GATEWAY_SHUTDOWN_DELAY_MS,
    oidcProvider: e.GATEWAY_OIDC_PROVIDER,
    regulation: {
      perUser: limit(e.GATEWAY_SIGNIN_MAX_FAILURES_PER_USER),
      perIp: limit(e.GATEWAY_SIGNIN_MAX_FAILURES_PER_IP),
      tokenGuessPerIp: limit(e.GATEWAY_TOKEN_MAX_FAILURES_PER_IP),
      perUserIp: limit(e.GATEWAY_SIGNIN_MAX_FAILURES_PER_USER),
      perUserDevice: limit(e.GATEWAY_SIGNIN_MAX_FAILURES_PER_USER),
    },
    metrics,
    secretsKey: e.GATEWAY_SECRETS_KEY ?? null,
    workers: e.GATEWAY_WORKERS,
    redisKeyPrefix: e.GATEWAY_REDIS_KEY_PREFIX,
  };
  return { ok: true, config: deepFreeze(config) };
}

/** `host:port` or `[v6]:port` (already shape-checked by the schema) → its parts; undefined → metrics off. */
function parseMetricsAddr(addr: string | undefined): { host: string; port: number } | null {
  if (addr === undefined) return null;
  const at = addr.lastIndexOf(':');
  return { host: addr.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(addr.slice(at + 1)) };
}

/** Throws with every problem listed; for tests and tools that build a Config from a partial environment. */
export function requireConfig(env: Record<string, string | undefined>): Config {
  const result = loadConfig(env);
  if (!result.ok) throw new Error(`invalid configuration:\n  ${result.errors.join('\n  ')}`);
  return result.config;
}

/** One trusted range as Express' proxy-addr reads it, as an inclusive interval of addresses of one family. */
interface ProxyRange {
  family: 4 | 6;
  start: bigint;
  end: bigint;
}

const PROXY_NAMES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};
const MAPPED_PREFIX = 0xffffn << 32n;

function addressBits(ip: string): { family: 4 | 6; value: bigint } | null {
  const family = isIP(ip);
  if (family === 4) return { family: 4, value: ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  if (family !== 6) return null;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  let text = ip;
  if (dotted) {
    const v4 = addressBits(dotted[2]!)!.value;
    text = `${dotted[1]}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** Parses one GATEWAY_TRUSTED_PROXIES entry the way proxy-addr does (address, CIDR, netmask, name); null if invalid. */
function parseProxyRange(entry: string): ProxyRange[] | null {
  const named = PROXY_NAMES[entry.toLowerCase()];
  if (named) return named.flatMap((cidr) => parseProxyRange(cidr)!);
  const slash = entry.lastIndexOf('/');
  const address = addressBits(slash === -1 ? entry : entry.slice(0, slash));
  if (address === null) return null;
  let family = address.family;
  let value = address.value;
  const width = family === 4 ? 32 : 128;
  let prefix = width;
  if (slash !== -1) {
    const suffix = entry.slice(slash + 1);
    if (/^\d{1,3}$/.test(suffix)) prefix = Number(suffix);
    else {
      const mask = family === 4 ? addressBits(suffix) : null;
      if (mask === null || mask.family !== 4) return null;
      const ones = mask.value.toString(2).padStart(32, '0');
      if (!/^1*0*$/.test(ones)) return null;
      prefix = ones.indexOf('0') === -1 ? 32 : ones.indexOf('0');
    }
    if (prefix > width) return null;
  }
  // proxy-addr compares an IPv4-mapped range with plain IPv4 clients.
  if (family === 6 && prefix >= 96 && value >> 32n === 0xffffn) {
    family = 4;
    value &= 0xffffffffn;
    prefix -= 96;
  }
  const bits = BigInt(family === 4 ? 32 : 128);
  const hostBits = bits - BigInt(prefix);
  const start = (value >> hostBits) << hostBits;
  const ranges: ProxyRange[] = [{ family, start, end: start + (1n << hostBits) - 1n }];
  // An IPv6 range that overlaps ::ffff:0:0/96 also trusts those IPv4 clients.
  const mappedEnd = MAPPED_PREFIX + 0xffffffffn;
  if (family === 6 && start <= mappedEnd && ranges[0]!.end >= MAPPED_PREFIX) {
    const lo = start > MAPPED_PREFIX ? start : MAPPED_PREFIX;
    const hi = ranges[0]!.end < mappedEnd ? ranges[0]!.end : mappedEnd;
    ranges.push({ family: 4, start: lo - MAPPED_PREFIX, end: hi - MAPPED_PREFIX });
  }
  return ranges;
}

/** True when the ranges together contain every address of the family. */
function covers(ranges: readonly ProxyRange[], family: 4 | 6): boolean {
  const last = (1n << BigInt(family === 4 ? 32 : 128)) - 1n;
  const sorted = ranges.filter((r) => r.family === family).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let next = 0n;
  for (const r of sorted) {
    if (r.start > next) return false;
    if (r.end + 1n > next) next = r.end + 1n;
    if (next > last) return true;
  }
  return false;
}
