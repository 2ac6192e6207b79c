// Liveness (the process answers) and readiness (the database and, when configured, Redis answer in time;
// false while draining so a load balancer stops sending work before shutdown).
import type { RequestHandler } from 'express';
import type { Deps } from '../deps.js';
import { AppError, unavailable } from '../errors.js';

const PROBE_TIMEOUT_MS = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('probe timed out')), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

export const liveness: RequestHandler = (_req, res) => {
  res.json({ status: 'ok' });
};

export function readiness(deps: Deps): RequestHandler {
  return async (_req, res) => {
    if (deps.lifecycle.draining) throw unavailable('shutting down');
    const [database, ephemeral] = await Promise.allSettled([
      withTimeout(deps.store.ping(), PROBE_TIMEOUT_MS),
      withTimeout(deps.ephemeral.ping(), PROBE_TIMEOUT_MS),
    ]);
    const checks = {
      database: database.status === 'fulfilled' ? 'ok' : 'unavailable',
      [deps.ephemeral.kind === 'redis' ? 'redis' : 'ephemeral']: ephemeral.status === 'fulfilled' ? 'ok' : 'unavailable',
    };
    if (database.status === 'rejected' || ephemeral.status === 'rejected') {
      throw new AppError('UNAVAILABLE', 'not ready', { details: [checks] });
    }
    res.json({ status: 'ready', checks });
  };
}
