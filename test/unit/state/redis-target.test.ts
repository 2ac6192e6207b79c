// GATEWAY_REDIS_URL / GATEWAY_REDIS_CLUSTER_NODES → which Redis: one server, Sentinel or Cluster, every problem named.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import { describeRedisTarget, parseRedisTarget } from '../../../src/state/redis-target.js';

describe('Redis target', () => {
  test('nothing set: in-process state', () => {
    assert.deepEqual(parseRedisTarget({}), { ok: true, target: null });
  });

  test('redis:// and rediss:// are one server', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://:pw@redis.internal:6380/2']) {
      assert.deepEqual(parseRedisTarget({ url }), { ok: true, target: { kind: 'standalone', url } });
    }
  });

  test('redis+sentinel:// names the Sentinels (default port 26379), the primary and an optional password', () => {
    assert.deepEqual(parseRedisTarget({ url: 'redis+sentinel://:s%40cret@10.0.0.1:26379,sentinel-b,[::1]:26380/mymaster' }), {
      ok: true,
      target: {
        kind: 'sentinel',
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: 'sentinel-b', port: 26379 },
          { host: '::1', port: 26380 },
        ],
        masterName: 'mymaster',
        password: 's@cret',
      },
    });
  });

  test('a Sentinel URL without the primary name, with a user name or with a bad host lists each problem', () => {
    const result = parseRedisTarget({ url: 'redis+sentinel://user:pw@h1:26379,bad host:x' });
    assert.equal(result.ok, false);
    const text = !result.ok ? result.errors.join('\n') : '';
    assert.match(text, /password only/);
    assert.match(text, /"bad host:x" is not a Sentinel host:port/);
    assert.match(text, /ends with the primary's name/);
  });

  test('cluster seed nodes (default port 6379) and an optional password', () => {
    assert.deepEqual(parseRedisTarget({ clusterNodes: '10.0.0.1:7000, 10.0.0.2,[fd00::3]:7002', clusterPassword: 'pw' }), {
      ok: true,
      target: {
        kind: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 6379 },
          { host: 'fd00::3', port: 7002 },
        ],
        password: 'pw',
      },
    });
  });

  test('URL and cluster nodes together, a password without nodes, a bad node or scheme: refused', () => {
    assert.equal(parseRedisTarget({ url: 'redis://x', clusterNodes: 'a:1' }).ok, false);
    assert.equal(parseRedisTarget({ clusterPassword: 'pw' }).ok, false);
    assert.equal(parseRedisTarget({ clusterNodes: 'a:99999' }).ok, false);
    assert.equal(parseRedisTarget({ url: 'http://redis' }).ok, false);
    assert.equal(parseRedisTarget({ url: 'redis://[bad' }).ok, false);
  });

  test('the configuration reports Redis problems with the others, and the start-up line never shows a password', () => {
    const result = loadConfig({ GATEWAY_REDIS_URL: 'redis+sentinel://:hunter2@h1/', GATEWAY_PORT: 'x' });
    assert.equal(result.ok, false);
    const text = !result.ok ? result.errors.join('\n') : '';
    assert.match(text, /GATEWAY_PORT/);
    assert.match(text, /GATEWAY_REDIS_URL: a Sentinel URL ends with the primary's name/);
    const ok = loadConfig({ GATEWAY_REDIS_URL: 'redis+sentinel://:hunter2@h1,h2:26380/gw' });
    assert.ok(ok.ok && ok.config.redis);
    const line = describeRedisTarget(ok.config.redis);
    assert.equal(line, 'Redis Sentinel (h1:26379,h2:26380, primary "gw")');
    assert.doesNotMatch(line, /hunter2/);
  });
});
