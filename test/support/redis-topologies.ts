// Real Redis high-availability topologies on loopback for the tests that need them (each test file starts its
// own; they are not shared like the single Redis of test/run.ts): a Sentinel set (a primary, a replica and two
// Sentinels with quorum 1 and a 1 s down-after by default) and a 3-primary Cluster made with `redis-cli --cluster create`.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { findExecutable, makeServiceDir, startRedis, waitFor, type RedisHandle } from './services.js';

const run = promisify(execFile);
export const SENTINEL_MASTER = 'gwprimary';

/** One command on a fresh connection (no key prefix, no retries), for set-up and probes. */
export async function redisCommand(port: number, command: string, ...args: string[]): Promise<unknown> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call(command, ...args);
  } finally {
    client.disconnect();
  }
}

export interface SentinelSet {
  primary: RedisHandle;
  replica: RedisHandle;
  sentinels: RedisHandle[];
  /** redis+sentinel://127.0.0.1:S1,127.0.0.1:S2/gwprimary */
  url: string;
  /** The port the Sentinels currently name as the primary. */
  currentPrimaryPort(): Promise<number>;
  stop(): Promise<void>;
}

/** `downAfterMs`: how long a silent primary takes to count as down (a test forcing its own failover sets it long). */
export async function startSentinelSet(options: { downAfterMs?: number } = {}): Promise<SentinelSet> {
  const primary = await startRedis();
  const replica = await startRedis({ extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)] });
  await waitFor('the replica to sync', async () => /master_link_status:up/.test(String(await redisCommand(replica.port, 'INFO', 'replication'))));
  const sentinels: RedisHandle[] = [];
  for (let i = 0; i < 2; i++) {
    const dir = await makeServiceDir(`sentinel${i}`);
    const configFile = join(dir, 'sentinel.conf');
    await writeFile(
      configFile,
      [
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primary.port} 1`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${options.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        '',
      ].join('\n'),
    );
    sentinels.push(await startRedis({ dir, sentinelConfigFile: configFile }));
  }
  const set: SentinelSet = {
    primary,
    replica,
    sentinels,
    url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${SENTINEL_MASTER}`,
    async currentPrimaryPort() {
      const reply = (await redisCommand(sentinels[0]!.port, 'SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER)) as string[];
      return Number(reply[1]);
    },
    async stop() {
      await Promise.allSettled([...sentinels, replica, primary].map((s) => s.destroy()));
    },
  };
  // Before a failover can happen each Sentinel must know the replica and the other Sentinel.
  await waitFor('the Sentinels to see the replica and each other', async () => {
    for (const s of sentinels) {
      const info = (await redisCommand(s.port, 'SENTINEL', 'master', SENTINEL_MASTER)) as string[];
      const field = (name: string) => Number(info[info.indexOf(name) + 1]);
      if (field('num-slaves') < 1 || field('num-other-sentinels') < 1) return false;
    }
    return true;
  });
  return set;
}

export interface RedisCluster {
  nodes: RedisHandle[];
  /** `127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` for GATEWAY_REDIS_CLUSTER_NODES. */
  nodeList: string;
  stop(): Promise<void>;
}

export async function startRedisCluster(primaries = 3): Promise<RedisCluster> {
  const cli = findExecutable('redis-cli');
  if (!cli) throw new Error('redis-cli is missing (Debian package redis-tools, installed with redis-server)');
  const nodes: RedisHandle[] = [];
  for (let i = 0; i < primaries; i++) {
    nodes.push(await startRedis({ extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
  }
  const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
  await run(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
  await waitFor('every node to report cluster_state:ok', async () => {
    for (const n of nodes) if (!/cluster_state:ok/.test(String(await redisCommand(n.port, 'CLUSTER', 'INFO')))) return false;
    return true;
  });
  return {
    nodes,
    nodeList: addresses.join(','),
    async stop() {
      await Promise.allSettled(nodes.map((n) => n.destroy()));
    },
  };
}
