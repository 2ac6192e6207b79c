// Configuration: the environment read once, validated with zod (every problem reported together), then frozen.
// Nothing else in src/ reads process.env; main.ts hands the raw environment to loadConfig.
import { z } from 'zod';
import { deepFreeze } from './config-file.js';
import { trustedProxyProblems } from './http/trusted-proxies.js';
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
  GATEWAY_OIDC_CLIENTS_FILE: z.string().min(1).optional(),
  GATEWAY_WEBAUTHN_RP_ID: z
    .string()
    .max(253)
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, 'must be a domain such as example.com (no scheme, port or path)')
    .optional(),
  GATEWAY_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  GATEWAY_REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/, 'letters, digits, : _ - (at most 64)').default('gw:'),
  GATEWAY_UPSTREAM_JWT_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be a header name such as X-Auth-Request-Jwt')
    .refine((h) => !/^(authorization|cookie|host|content-length|x-auth-request-(user|email|user-id|role|groups))$/i.test(h), 'must not be a header the gateway or the proxy already uses')
    .optional(),
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
  /** Relying parties managed by the deployment (GATEWAY_OIDC_CLIENTS_FILE), read-only in the API. */
  readonly oidcClientsFile: string | null;
  /** The header carrying the signed upstream identity on allowed verify answers; null: off (issue 15 item 3). */
  readonly upstreamJwtHeader: string | null;
  /** GATEWAY_WEBAUTHN_RP_ID: the passkeys' relying-party ID when wider than the instance host; null: the host. */
  readonly webauthnRpId: string | null;
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
  errors.push(...trustedProxyProblems(trustedProxies, e.GATEWAY_TRUSTED_PROXIES));
  const metrics = parseMetricsAddr(e.GATEWAY_METRICS_ADDR);
  if (metrics !== null && (metrics.port < 1 || metrics.port > 65535)) errors.push('GATEWAY_METRICS_ADDR: the port must be 1-65535');
  if (metrics !== null && metrics.port === e.GATEWAY_PORT) errors.push('GATEWAY_METRICS_ADDR: must not be the public port (GATEWAY_PORT)');
  if (e.GATEWAY_WORKERS > 1 && redis.ok && redis.target === null) {
    errors.push(
      `GATEWAY_WORKERS: ${e.GATEWAY_WORKERS} workers need GATEWAY_REDIS_URL (or GATEWAY_REDIS_CLUSTER_NODES): workers share nothing in memory, so SSO flow state, rate limits and cache invalidation must live in Redis`,
    );
  }
  const webauthnRpId = e.GATEWAY_WEBAUTHN_RP_ID?.toLowerCase() ?? null;
  if (webauthnRpId !== null) errors.push(...rpIdProblems(webauthnRpId, instance.hostname.toLowerCase()));
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
    oidcClientsFile: e.GATEWAY_OIDC_CLIENTS_FILE ?? null,
    workers: e.GATEWAY_WORKERS,
    redisKeyPrefix: e.GATEWAY_REDIS_KEY_PREFIX,
    upstreamJwtHeader: e.GATEWAY_UPSTREAM_JWT_HEADER ?? null,
    webauthnRpId,
  };
  return { ok: true, config: deepFreeze(config) };
}

/**
 * WebAuthn (§5.1.3) lets an RP ID be the origin's host or a registrable suffix of it: the instance host itself, or
 * a parent domain of at least two labels (a bare top-level domain is a public suffix; so are others this check
 * cannot know, which browsers then refuse at the ceremony).
 */
function rpIdProblems(rpId: string, instanceHostname: string): string[] {
  if (rpId === instanceHostname) return [];
  if (!instanceHostname.endsWith(`.${rpId}`)) {
    return [`GATEWAY_WEBAUTHN_RP_ID: "${rpId}" must be the instance host (${instanceHostname}) or a parent domain of it`];
  }
  if (!rpId.includes('.')) return [`GATEWAY_WEBAUTHN_RP_ID: "${rpId}" is a top-level domain; name a registrable domain such as example.com`];
  return [];
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
