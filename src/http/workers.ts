// GATEWAY_WORKERS=N (N > 1): the primary process forks N node:cluster workers that share the listening port and
// serves nothing itself. Workers start one after another (the first one migrates the database alone), a worker
// that dies unexpectedly is replaced, and SIGTERM/SIGINT are passed to every worker, each draining as a single
// gateway does (main.ts); the primary exits when the last one has. Workers share nothing in memory: config.ts
// refuses N > 1 without Redis, and revocations reach every worker through state/event-relay.ts.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

/** Longer than any worker's own drain (shutdown delay + drain timeout): then the rest are killed. */
const EXTRA_STOP_GRACE_MS = 15_000;
/** A worker dying this soon after it started is a crash loop: the primary gives up instead of forking forever. */
const CRASH_LOOP_MS = 5_000;

export function runWorkerPrimary(config: Config, logger: Logger): void {
  let stopping = false;
  const startedAt = new Map<number, number>();

  const fork = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      startedAt.set(worker.id, Date.now());
      const onExit = () => reject(new Error(`worker ${worker.id} exited before it listened`));
      worker.once('exit', onExit);
      worker.once('listening', () => {
        worker.off('exit', onExit);
        resolve(worker);
      });
    });

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (stopping) {
      logger.info({ worker: worker.id, exitCode: code, signal }, 'worker stopped');
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('all workers stopped');
        process.exit(0);
      }
      return;
    }
    logger.error({ worker: worker.id, exitCode: code, signal }, 'worker exited unexpectedly');
    if (lived < CRASH_LOOP_MS) {
      logger.fatal('a worker died right after starting; stopping every worker');
      stop('crash loop', 1);
      return;
    }
    fork().catch((err: unknown) => logger.error({ err }, 'could not replace a worker'));
  });

  let exitCode = 0;
  const stop = (why: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info({ why }, `stopping ${Object.keys(cluster.workers ?? {}).length} worker(s): each drains`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(exitCode || 1);
    }, config.shutdownDelayMs + EXTRA_STOP_GRACE_MS);
    force.unref();
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  void (async () => {
    try {
      for (let i = 0; i < config.workers && !stopping; i++) await fork();
      logger.info(`sso-gateway: ${config.workers} workers listening on port ${config.port}`);
    } catch (err) {
      logger.fatal({ err }, 'a worker could not start');
      stop('start-up failed', 1);
    }
  })();
}
