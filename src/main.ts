// The process entry: reads the environment (the only place besides config.ts), validates it, opens storage,
// listens, and drains gracefully on SIGTERM/SIGINT. `--check-config` validates and exits.
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { loadConfig, type Config } from './config.js';
import { closeDeps, openDeps, type Deps } from './deps.js';
import { createLogger } from './logger.js';

const DRAIN_TIMEOUT_MS = 10_000;
/** How soon a key rotated on another replica (or by `npm run admin -- rotate-key`) starts signing here. */
const KEY_RELOAD_EVERY_MS = 60_000;

function describeStorage(config: Config): string {
  const db = config.database.kind === 'sqlite' ? `embedded SQLite ${config.database.file}` : 'MySQL';
  const eph = config.redisUrl ? 'Redis' : 'in-process ephemeral state (one machine only)';
  return `${db}, ${eph}`;
}

async function main(): Promise<void> {
  const result = loadConfig(process.env);
  if (!result.ok) {
    process.stderr.write(`sso-gateway: invalid configuration:\n${result.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    process.exit(1);
  }
  const config = result.config;
  if (process.argv.includes('--check-config')) {
    process.stdout.write(`sso-gateway: configuration is valid (${describeStorage(config)})\n`);
    return;
  }
  const logger = createLogger(config.logLevel);
  let deps: Deps;
  try {
    deps = await openDeps(config, { logger });
  } catch (err) {
    logger.fatal({ err }, 'could not open storage');
    process.exit(1);
  }
  if (config.mode === 'demo') logger.warn('demo mode: tokens are signed with the public secret "usememos"; never expose this instance');
  const server = createApp(deps).listen(config.port, config.host, () => {
    logger.info(`sso-gateway listening on ${config.instanceUrl} (port ${config.port}; ${describeStorage(config)})`);
  });
  server.keepAliveTimeout = 65_000;
  // Slow clients (slowloris headers, trickled bodies) are cut instead of holding sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('error', (err) => {
    logger.fatal({ err }, 'server error');
    process.exit(1);
  });
  setInterval(() => {
    deps.keys.reload(deps.clock.now()).catch((err: unknown) => deps.logger.warn({ err }, 'could not reload signing keys'));
  }, KEY_RELOAD_EVERY_MS).unref();
  installShutdown(server, deps);
}

function installShutdown(server: Server, deps: Deps): void {
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
