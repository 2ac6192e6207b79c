// Everything a request handler may use, built once at start (main.ts) or per test, and closed at shutdown.
import { EventEmitter } from 'node:events';
import type { Config } from './config.js';
import { systemClock, type Clock } from './clock.js';
import { createLogger, type Logger } from './logger.js';
import { loadKeyRing, type KeyRing } from './auth/keys.js';
import { PasswordHasher } from './auth/passwords.js';
import { Regulator } from './auth/regulation.js';
import { StorePatAuthenticator } from './auth/pat-authenticator.js';
import { openStore, type Store } from './store/store.js';
import type { EphemeralStore } from './state/ephemeral-store.js';
import { MemoryEphemeralStore } from './state/memory-store.js';
import { loadDeploymentIdps, type DeploymentIdps } from './sso/deployment-idps.js';
import { noMetrics, type Metrics } from './metrics/metrics.js';
import type { DependencyProbe, MetricsExporter, PrometheusMetrics } from './metrics/prometheus-metrics.js';
import type { GatewayEvents } from './events.js';
import { loadAccessRules } from './forward-auth/access-rules.js';
import { ForwardAuth } from './forward-auth/forward-auth.js';
import { ProviderDiscovery } from './sso/oidc-client.js';
import { openSecretBox } from './mfa/open-secret-box.js';
import type { SecretBox } from './mfa/secret-box.js';
import { OidcProvider } from './oidc-provider/provider.js';
import { loadDeploymentOidcClients, type DeploymentOidcClients } from './oidc-provider/deployment-clients.js';
// Redis modules (ioredis) load only when Redis is configured: about 9 MB of RSS a one-process deployment never uses.
import type { EventRelay } from './state/event-relay.js';
import { UpstreamAssertions } from './upstream-identity/upstream-assertion.js';


export interface Deps {
  config: Config;
  clock: Clock;
  logger: Logger;
  store: Store;
  ephemeral: EphemeralStore;
  keys: KeyRing;
  passwords: PasswordHasher;
  events: EventEmitter<GatewayEvents>;
  lifecycle: { draining: boolean };
  /** Brute-force regulation (failed sign-ins, guessed tokens). */
  regulation: Regulator;
  /** Personal-access-token checks (and their throttled "last used" writes). */
  pats: StorePatAuthenticator;
  /** Identity providers of GATEWAY_IDP_FILE, loaded (and checked) once at start, frozen. */
  deploymentIdps: DeploymentIdps;
  /** What the domain counts (no-op when GATEWAY_METRICS_ADDR is unset). */
  metrics: Metrics;
  /** The registry the metrics listener serves (main.ts), or null when metrics are off. */
  metricsExporter: MetricsExporter | null;
  /** The /auth/verify decision: credentials, their caches, and the access rules of GATEWAY_ACCESS_RULES_FILE. */
  forwardAuth: ForwardAuth;
  /** OpenID Connect discovery documents, cached per provider update for a few minutes. */
  providerDiscovery: ProviderDiscovery;
  /** Seals second-factor secrets at rest and keys recovery-code hashes (mfa/). */
  secretBox: SecretBox;
  /** The OpenID Provider (oidc-provider/), null when GATEWAY_OIDC_PROVIDER=false. */
  oidc: OidcProvider | null;
  /** Relying parties of GATEWAY_OIDC_CLIENTS_FILE, loaded (and checked) once at start, frozen. */
  deploymentOidcClients: DeploymentOidcClients;
  /** Carries revocation events to every other process over Redis pub/sub; null without Redis (one process). */
  relay: EventRelay | null;
}

export interface DepsOverrides {
  clock?: Clock;
  logger?: Logger;
  /** Redis key prefix; tests sharing one Redis give each gateway its own. */
  redisKeyPrefix?: string;
}

export async function openDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  // Before any storage is opened: a broken file stops the start with every problem listed (DeploymentIdpsError,
  // AccessRulesError with file:line:column).
  const deploymentIdps = loadDeploymentIdps(config, clock.now());
  const accessRules = loadAccessRules(config.accessRulesFile);
  const deploymentOidcClients = loadDeploymentOidcClients(config, clock.now());
  const store = await openStore(
    config.database.kind === 'sqlite'
      ? { kind: 'sqlite', file: config.database.file }
      : { kind: 'mysql', url: config.database.url, poolSize: config.database.poolSize, queryTimeoutMs: config.database.queryTimeoutMs },
  );
  let ephemeral: EphemeralStore;
  let redisReady = false;
  if (config.redis) {
    const { RedisEphemeralStore } = await import('./state/redis-store.js');
    const redis = new RedisEphemeralStore({ target: config.redis, keyPrefix: overrides.redisKeyPrefix ?? config.redisKeyPrefix });
    try {
      await redis.waitUntilReady();
      redisReady = true;
    } catch (err) {
      // Start anyway: readiness reports it, and the client keeps reconnecting on its own.
      logger.warn({ err }, 'Redis is not reachable yet; SSO and rate limits answer 503 until it is');
    }
    ephemeral = redis;
  } else {
    ephemeral = new MemoryEphemeralStore(clock);
  }
  const keys = await loadKeyRing(store.settings, { demo: config.mode === 'demo', now: clock.now(), clock: () => clock.now() });
  const passwords = new PasswordHasher(config.bcryptCost);
  await passwords.warmUp();
  // prom-client loads only when metrics are on (GATEWAY_METRICS_ADDR), as its own chunk like the Redis modules.
  let prometheus: PrometheusMetrics | null = null;
  if (config.metrics !== null) {
    const { PrometheusMetrics } = await import('./metrics/prometheus-metrics.js');
    prometheus = new PrometheusMetrics(dependencyProbes(store, ephemeral));
  }
  const metrics = prometheus ?? noMetrics;
  const events = new EventEmitter<GatewayEvents>();
  const pats = new StorePatAuthenticator(store, clock, logger);
  const regulation = new Regulator(config.regulation, ephemeral, '', metrics);
  const deps: Deps = {
    config,
    clock,
    logger,
    store,
    ephemeral,
    keys,
    passwords,
    events,
    lifecycle: { draining: false },
    regulation,
    pats,
    deploymentIdps,
    metrics,
    metricsExporter: prometheus,
    forwardAuth: new ForwardAuth({ config, clock, keys, store, pats, events, metrics, regulation, assertions: upstreamAssertions(config, clock, store) }, accessRules),
    providerDiscovery: new ProviderDiscovery(),
    secretBox: await openSecretBox(config, store.settings),
    oidc: null,
    deploymentOidcClients,
    relay: null,
  };
  if (config.redis) {
    const { EventRelay } = await import('./state/event-relay.js');
    deps.relay = new EventRelay(events, config.redis, overrides.redisKeyPrefix ?? config.redisKeyPrefix, logger);
    // Redis down at start: the start goes on (as for the store), and the relay subscribes when Redis answers.
    if (redisReady) await deps.relay.waitUntilSubscribed();
  }
  if (config.oidcProvider) {
    deps.oidc = new OidcProvider(deps);
    await deps.oidc.start();
  }
  return deps;
}

/** gateway_dependency_up's pings: the database, and Redis when configured (in-process state cannot be down). */
function dependencyProbes(store: Store, ephemeral: EphemeralStore): DependencyProbe[] {
  const probes: DependencyProbe[] = [{ name: 'database', ping: () => store.ping() }];
  if (ephemeral.kind === 'redis') probes.push({ name: 'redis', ping: () => ephemeral.ping() });
  return probes;
}

export async function closeDeps(deps: Deps): Promise<void> {
  deps.oidc?.stop();
  await deps.pats.settle();
  await Promise.allSettled([deps.store.close(), deps.ephemeral.close(), deps.relay?.close()]);
}

/** The signed upstream identity (issue 15 item 3): only when GATEWAY_UPSTREAM_JWT_HEADER names its header. */
function upstreamAssertions(config: Config, clock: Clock, store: Store): UpstreamAssertions | null {
  return config.upstreamJwtHeader === null ? null : new UpstreamAssertions(config.upstreamJwtHeader, { config, clock, oidcKeys: store.oidcKeys });
}
