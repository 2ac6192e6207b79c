// Timeouts for the mysql2 pool that Kysely drives. mysql2 has no query timeout by default, so a MySQL that
// stops answering (paused, failing over, lock waits) would hold requests and pool connections forever; with
// it, the query fails (PROTOCOL_SEQUENCE_TIMEOUT → 503) and mysql2 drops that connection. Acquiring a
// connection is bounded too: mysql2 can leave a queued waiter unserved when a timed-out connection is
// destroyed, so a waiter gives up after `acquireTimeoutMs` (a connection that arrives later goes back).
import type { Pool, PoolConnection } from 'mysql2';
import { DependencyDownError } from '../../errors.js';

const WRAPPED = Symbol('query-timeout');

type QueryFn = (...args: unknown[]) => unknown;

function wrapConnection(connection: PoolConnection, timeoutMs: number): PoolConnection {
  const tagged = connection as PoolConnection & { [WRAPPED]?: true };
  if (tagged[WRAPPED]) return connection;
  const query = connection.query.bind(connection) as unknown as QueryFn;
  const release = connection.release.bind(connection);
  let broken = false;
  const breakConnection = () => {
    if (broken) return;
    broken = true;
    connection.destroy();
  };
  // mysql2 starts its own query timer only when the command starts; a query queued behind a handshake that
  // never completes would wait forever. This deadline covers the whole call. A fatal error (timeout, reset)
  // leaves the connection unusable: it is destroyed rather than handed back to the pool.
  const guard = (callback: QueryFn): QueryFn => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      breakConnection();
      callback(Object.assign(new Error('database query timed out'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT', fatal: true }));
    }, timeoutMs + 250);
    return (err: unknown, ...rest: unknown[]) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if ((err as { fatal?: boolean } | null)?.fatal) breakConnection();
      return callback(err, ...rest);
    };
  };
  (connection as unknown as { query: QueryFn }).query = (sqlOrOptions: unknown, ...rest: unknown[]) => {
    const options = typeof sqlOrOptions === 'string' ? { sql: sqlOrOptions, timeout: timeoutMs } : sqlOrOptions;
    const last = rest[rest.length - 1];
    if (typeof last !== 'function') return query(options, ...rest);
    return query(options, ...rest.slice(0, -1), guard(last as QueryFn));
  };
  (connection as unknown as { release: () => void }).release = () => {
    if (!broken) release();
  };
  tagged[WRAPPED] = true;
  return connection;
}

type ConnectionCallback = (error: NodeJS.ErrnoException | null, connection: PoolConnection) => void;

/**
 * No connection is a database that is down. mysql2's pool says so in words only ("Pool is closed.", "Queue limit
 * reached.", "No connections available."): give those a code here, where they enter; coded errors pass as they are.
 */
function withDependencyCode(error: NodeJS.ErrnoException | null): NodeJS.ErrnoException | null {
  if (error === null || typeof error.code === 'string') return error;
  return new DependencyDownError('database', error);
}

/** The pool as Kysely's MysqlDialect sees it, handing out connections whose queries time out. */
export function withQueryTimeout(pool: Pool, limits: () => number) {
  return {
    getConnection(callback: ConnectionCallback): void {
      const timeoutMs = limits();
      // 0: no limits (migrations at start-up, whose DDL may legitimately take long).
      if (timeoutMs === 0) return pool.getConnection((error, connection) => callback(withDependencyCode(error), connection));
      const acquireTimeoutMs = timeoutMs + 2000;
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        callback(Object.assign(new Error('timed out acquiring a database connection'), { code: 'ETIMEDOUT' }), undefined as never);
      }, acquireTimeoutMs);
      pool.getConnection((error, connection) => {
        if (settled) {
          if (!error) connection.release();
          return;
        }
        settled = true;
        clearTimeout(timer);
        callback(withDependencyCode(error), error ? connection : wrapConnection(connection, timeoutMs));
      });
    },
    end(callback: (error: unknown) => void): void {
      pool.end(callback);
    },
  };
}
