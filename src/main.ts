// The process entry: reads the environment (the only place besides config.ts), validates it, opens storage,
// listens, and drains gracefully on SIGTERM/SIGINT. `--check-config` validates the environment and the files it
// names (identity providers, access rules, OIDC clients) without opening any storage, and exits.
import type { Server } from 'node:http';
import { createRequestListener } from './app.js';
import { loadConfig, type Config } from './config.js';
import { closeDeps, openDeps, type Deps } from './deps.js';
import { AccessRulesError, loadAccessRules } from './forward-auth/access-rules.js';
import { createGatewayServer } from './http/server.js';
import { createLogger } from './logger.js';
import { DeploymentIdpsError, loadDeploymentIdps } from './sso/deployment-idps.js';
import { describeRedisTarget } from './state/redis-target.js';
import { DeploymentOidcClientsError, loadDeploymentOidcClients } from './oidc-provider/deployment-clients.js';
import { createMetricsServer, METRICS_PATH } from './metrics/metrics-server.js';
import cluster from 'node:cluster';
import { runWorkerPrimary } from './http/workers.js';

const DRAIN_TIMEOUT_MS = 10_000;
/** How soon a key rotated on another replica (or by `npm run admin -- rotate-key`) starts signing here. */
const KEY_RELOAD_EVERY_MS = 60_000;

function describeStorage(config: Config): string {
  const db = config.database.kind === 'sqlite' ? `embedded SQLite ${config.database.file}` : 'MySQL';
  const eph = config.redis ? describeRedisTarget(config.redis) : 'in-process ephemeral state (one machine only)';
  return `${db}, ${eph}`;
}

/** Every problem of a deployment file as lines for stderr, or null when `err` is something else. */
function describeFileProblems(err: unknown): string | null {
  if (err instanceof DeploymentIdpsError) return listProblems(`invalid identity providers file ${err.file}`, err.problems);
  if (err instanceof AccessRulesError) return listProblems(`invalid access rules file ${err.file}`, err.problems);
  if (err instanceof DeploymentOidcClientsError) return listProblems(`invalid OIDC clients file ${err.file}`, err.problems);
  return null;
}

const listProblems = (title: string, problems: readonly string[]) => `sso-gateway: ${title}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`;

/** --check-config: every file checked (each reporting all its problems); exits 1 when any is broken. */
function checkConfigFiles(config: Config): void {
  const reports: string[] = [];
  const summary = [describeStorage(config)];
  try {
    const idps = loadDeploymentIdps(config, new Date());
    if (idps.file !== null) summary.push(`${idps.providers.length} identity provider(s) from ${idps.file}`);
  } catch (err) {
    reports.push(describeFileProblems(err) ?? String(err));
  }
  try {
    const rules = loadAccessRules(config.accessRulesFile);
    if (config.accessRulesFile !== null) summary.push(`${rules.rules.length} access rule(s) from ${config.accessRulesFile}`);
  } catch (err) {
    reports.push(describeFileProblems(err) ?? String(err));
  }
  try {
    const clients = loadDeploymentOidcClients(config, new Date());
    if (clients.file !== null) summary.push(`${clients.clients.length} OIDC client(s) from ${clients.file}`);
  } catch (err) {
    reports.push(describeFileProblems(err) ?? String(err));
  }
  if (reports.length > 0) {
    process.stderr.write(reports.join(''));
    process.exit(1);
  }
  process.stdout.write(`sso-gateway: configuration is valid (${summary.join('; ')})\n`);
}

async function main(): Promise<void> {
  const result = loadConfig(process.env);
  if (!result.ok) {
    process.stderr.write(`sso-gateway: invalid configuration:\n${result.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    process.exit(1);
  }
  const config = result.config;
  if (process.argv.includes('--check-config')) {
    checkConfigFiles(config);
    return;
  }
  const logger = createLogger(config.logLevel);
  if (config.workers > 1 && cluster.isPrimary) {
    runWorkerPrimary(config, logger);
    return;
  }
  let deps: Deps;
  try {
    deps = await openDeps(config, { logger });
  } catch (err) {
    // A broken identity-providers or access-rules file stops the start here, before storage opens or anything listens.
    const problems = describeFileProblems(err);
    if (problems !== null) process.stderr.write(problems);
    else logger.fatal({ err }, 'could not open storage');
    process.exit(1);
  }
  if (config.mode === 'demo') logger.warn('demo mode: tokens are signed with the public secret "usememos"; never expose this instance');
  const server = createGatewayServer(createRequestListener(deps));
  server.listen(config.port, config.host, () => {
    const worker = cluster.isWorker ? `, worker ${cluster.worker?.id ?? '?'} of ${config.workers}` : '';
    logger.info(`sso-gateway listening on ${config.instanceUrl} (port ${config.port}; ${describeStorage(config)}${worker})`);
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'server error');
    process.exit(1);
  });
  setInterval(() => {
    deps.keys.reload(deps.clock.now()).catch((err: unknown) => deps.logger.warn({ err }, 'could not reload signing keys'));
  }, KEY_RELOAD_EVERY_MS).unref();
  const metricsServer = listenMetrics(deps);
  installShutdown(server, deps, metricsServer);
}

/** The Prometheus listener on GATEWAY_METRICS_ADDR (its own address: the public port answers 404 for /metrics). */
function listenMetrics(deps: Deps): Server | null {
  const addr = deps.config.metrics;
  if (addr === null || deps.metricsExporter === null) return null;
  const server = createMetricsServer(deps.metricsExporter, deps.logger);
  server.on('error', (err) => {
    deps.logger.fatal({ err }, 'metrics listener error');
    process.exit(1);
  });
  server.listen(addr.port, addr.host, () => deps.logger.info(`metrics on http://${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}${METRICS_PATH}`));
  return server;
}

function installShutdown(server: Server, deps: Deps, metricsServer: Server | null): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.lifecycle.draining = true;
    deps.logger.info({ signal }, 'draining: readiness is now false; still serving for the shutdown delay');
    // Readiness goes false first; only after the delay does the listener close, so no accepted request is cut.
    setTimeout(() => {
      const force = setTimeout(() => {
        deps.logger.warn('drain timed out; closing remaining connections');
        server.closeAllConnections();
      }, DRAIN_TIMEOUT_MS);
      force.unref();
      server.close(() => {
        void closeDeps(deps).finally(() => {
          deps.logger.info('stopped');
          process.exit(0);
        });
      });
      server.closeIdleConnections();
      // Scrapes go on through the drain; the metrics listener closes with the public one.
      metricsServer?.close();
      metricsServer?.closeAllConnections();
    }, deps.config.shutdownDelayMs);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

// Last resort: an error nobody handled means unknown state; log it and exit so the supervisor restarts us clean.
process.on('unhandledRejection', (reason) => {
  createLogger('error').fatal({ err: reason }, 'unhandled promise rejection; exiting');
  process.exit(1);
});

main().catch((err: unknown) => {
  createLogger('error').fatal({ err }, 'start-up failed');
  process.exit(1);
});
