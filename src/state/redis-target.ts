// Which Redis the ephemeral store talks to: one server (redis://, rediss://), a Sentinel-managed primary
// (redis+sentinel://[:password@]host1:26379,host2:26379/<master-name>) or a Cluster (seed nodes host:port,…).
// Parsed once from the configuration; every problem is returned, none thrown.

export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

export type RedisTarget =
  | { readonly kind: 'standalone'; readonly url: string }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly RedisAddress[];
      readonly masterName: string;
      readonly password: string | null;
    }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisAddress[]; readonly password: string | null };

export type RedisTargetResult = { ok: true; target: RedisTarget | null } | { ok: false; errors: string[] };

const SENTINEL_SCHEME = 'redis+sentinel://';
const DEFAULT_SENTINEL_PORT = 26379;
const DEFAULT_REDIS_PORT = 6379;

/** `host:port`, `[v6]:port` or a bare host (default port); null when it is not one. */
export function parseRedisAddress(text: string, defaultPort: number): RedisAddress | null {
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/i.exec(text.trim());
  if (!m) return null;
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: (m[1] ?? m[2])!, port };
}

function parseSentinelUrl(url: string, errors: string[]): RedisTarget | null {
  const rest = url.slice(SENTINEL_SCHEME.length);
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const afterAuth = at >= 0 ? rest.slice(at + 1) : rest;
  const slash = afterAuth.indexOf('/');
  const hostList = slash >= 0 ? afterAuth.slice(0, slash) : afterAuth;
  const masterName = slash >= 0 ? decodeURIComponent(afterAuth.slice(slash + 1)) : '';
  const where = 'GATEWAY_REDIS_URL';
  const before = errors.length;
  if (auth !== '' && !auth.startsWith(':')) {
    errors.push(`${where}: a Sentinel URL takes a password only (redis+sentinel://:password@host:26379/name)`);
  }
  const sentinels: RedisAddress[] = [];
  for (const part of hostList.split(',')) {
    const address = parseRedisAddress(part, DEFAULT_SENTINEL_PORT);
    if (address) sentinels.push(address);
    else errors.push(`${where}: "${part}" is not a Sentinel host:port`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(masterName)) {
    errors.push(`${where}: a Sentinel URL ends with the primary's name, e.g. redis+sentinel://h1:26379,h2:26379/mymaster`);
  }
  if (errors.length > before) return null;
  return { kind: 'sentinel', sentinels, masterName, password: auth === '' ? null : decodeURIComponent(auth.slice(1)) };
}

/**
 * GATEWAY_REDIS_URL (one server or Sentinel) and GATEWAY_REDIS_CLUSTER_NODES (seed nodes) name the Redis; at most
 * one of them may be set. Neither: in-process state (one machine only).
 */
export function parseRedisTarget(input: { url?: string; clusterNodes?: string; clusterPassword?: string }): RedisTargetResult {
  const errors: string[] = [];
  if (input.url !== undefined && input.clusterNodes !== undefined) {
    return { ok: false, errors: ['GATEWAY_REDIS_CLUSTER_NODES: set either it or GATEWAY_REDIS_URL, not both'] };
  }
  if (input.clusterPassword !== undefined && input.clusterNodes === undefined) {
    return { ok: false, errors: ['GATEWAY_REDIS_CLUSTER_PASSWORD: only used with GATEWAY_REDIS_CLUSTER_NODES'] };
  }
  if (input.clusterNodes !== undefined) {
    const nodes: RedisAddress[] = [];
    for (const part of input.clusterNodes.split(',').filter((p) => p.trim() !== '')) {
      const address = parseRedisAddress(part, DEFAULT_REDIS_PORT);
      if (address) nodes.push(address);
      else errors.push(`GATEWAY_REDIS_CLUSTER_NODES: "${part}" is not a host:port`);
    }
    if (nodes.length === 0 && errors.length === 0) errors.push('GATEWAY_REDIS_CLUSTER_NODES: name at least one node host:port');
    if (errors.length > 0) return { ok: false, errors };
    return { ok: true, target: { kind: 'cluster', nodes, password: input.clusterPassword ?? null } };
  }
  if (input.url === undefined) return { ok: true, target: null };
  if (input.url.startsWith(SENTINEL_SCHEME)) {
    const target = parseSentinelUrl(input.url, errors);
    return target ? { ok: true, target } : { ok: false, errors };
  }
  if (!/^rediss?:\/\//.test(input.url)) {
    return { ok: false, errors: ['GATEWAY_REDIS_URL: must start with redis://, rediss:// or redis+sentinel://'] };
  }
  try {
    new URL(input.url);
  } catch {
    return { ok: false, errors: ['GATEWAY_REDIS_URL: not a valid redis:// URL'] };
  }
  return { ok: true, target: { kind: 'standalone', url: input.url } };
}

/** How the start-up line names it, without any password. */
export function describeRedisTarget(target: RedisTarget): string {
  const list = (as: readonly RedisAddress[]) => as.map((a) => `${a.host}:${a.port}`).join(',');
  if (target.kind === 'sentinel') return `Redis Sentinel (${list(target.sentinels)}, primary "${target.masterName}")`;
  if (target.kind === 'cluster') return `Redis Cluster (${list(target.nodes)})`;
  return 'Redis';
}
