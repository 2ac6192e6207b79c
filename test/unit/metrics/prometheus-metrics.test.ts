// The prom-client side of the metrics: GATEWAY_METRICS_ADDR is off unless set and never the public port; the
// dependency gauge is a bounded check made at scrape time (a hung dependency reads 0, concurrent scrapes share
// one ping); every series exists at 0 before its first event; the metrics listener serves only GET /metrics.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createMetricsServer } from '../../../src/metrics/metrics-server.js';
import { DEPENDENCY_PROBE_TIMEOUT_MS, PrometheusMetrics } from '../../../src/metrics/prometheus-metrics.js';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text.js';

describe('GATEWAY_METRICS_ADDR', () => {
  const load = (env: Record<string, string>) => loadConfig({ GATEWAY_PORT: '8081', ...env });

  it('is off by default and takes host:port or [v6]:port', () => {
    const off = load({});
    assert.ok(off.ok);
    assert.equal(off.config.metrics, null);
    const v4 = load({ GATEWAY_METRICS_ADDR: '127.0.0.1:9464' });
    assert.ok(v4.ok);
    assert.deepEqual(v4.config.metrics, { host: '127.0.0.1', port: 9464 });
    const v6 = load({ GATEWAY_METRICS_ADDR: '[::1]:9464' });
    assert.ok(v6.ok);
    assert.deepEqual(v6.config.metrics, { host: '::1', port: 9464 });
  });

  it('refuses an address without a port, a port out of range, and the public port', () => {
    for (const [addr, why] of [
      ['9464', /host:port/],
      ['127.0.0.1', /host:port/],
      ['127.0.0.1:99999', /1-65535/],
      ['0.0.0.0:8081', /public port/],
    ] as const) {
      const result = load({ GATEWAY_METRICS_ADDR: addr });
      assert.ok(!result.ok, addr);
      assert.ok(result.errors.some((e) => why.test(e)), `${addr}: ${result.errors.join('; ')}`);
    }
  });
});

describe('PrometheusMetrics', () => {
  it('reads a dependency that does not answer as down, within the probe timeout, with one ping for concurrent scrapes', async () => {
    let pings = 0;
    const metrics = new PrometheusMetrics([
      { name: 'database', ping: async () => void pings++ },
      { name: 'redis', ping: () => (pings++, new Promise(() => {})) },
    ]);
    const started = performance.now();
    const [a, b] = await Promise.all([metrics.scrape(), metrics.scrape()]);
    const took = performance.now() - started;
    assert.ok(took >= DEPENDENCY_PROBE_TIMEOUT_MS - 50 && took < 3000, `took ${took} ms`);
    assert.equal(pings, 2, 'one ping per dependency for both scrapes');
    for (const text of [a, b]) {
      const families = parsePrometheusText(text);
      assert.equal(sampleValue(families, 'gateway_dependency_up', { dependency: 'database' }), 1);
      assert.equal(sampleValue(families, 'gateway_dependency_up', { dependency: 'redis' }), 0);
    }
  });

  it('has every series at 0 before any event, and counts what it is told', async () => {
    const metrics = new PrometheusMetrics([]);
    let families = parsePrometheusText(await metrics.scrape());
    assert.equal(sampleValue(families, 'gateway_refresh_total', { result: 'reuse_detected' }), 0);
    assert.equal(sampleValue(families, 'gateway_regulation_bans_total', { kind: 'token_ip' }), 0);
    assert.equal(sampleValue(families, 'gateway_verify_cache_hits_total', { cache: 'pat' }), 0);
    metrics.verified('forbidden', 0.0002);
    metrics.signIn('sso', 'failure');
    metrics.banned('token_ip');
    metrics.cache('pat').hit();
    metrics.cache('pat').miss();
    families = parsePrometheusText(await metrics.scrape());
    assert.equal(sampleValue(families, 'gateway_verify_requests_total', { decision: 'forbidden' }), 1);
    assert.equal(sampleValue(families, 'gateway_verify_duration_seconds_bucket', { le: '0.00025' }), 1);
    assert.equal(sampleValue(families, 'gateway_verify_duration_seconds_bucket', { le: '0.0001' }), 0);
    assert.equal(sampleValue(families, 'gateway_signin_total', { method: 'sso', result: 'failure' }), 1);
    assert.equal(sampleValue(families, 'gateway_regulation_bans_total', { kind: 'token_ip' }), 1);
    assert.equal(sampleValue(families, 'gateway_verify_cache_hits_total', { cache: 'pat' }), 1);
    assert.equal(sampleValue(families, 'gateway_verify_cache_misses_total', { cache: 'pat' }), 1);
  });

  it('is served on GET /metrics only by the metrics listener', async () => {
    const server = createMetricsServer(new PrometheusMetrics([]), createLogger('silent'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ok = await fetch(`${base}/metrics`);
      assert.equal(ok.status, 200);
      parsePrometheusText(await ok.text());
      assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 404);
      assert.equal((await fetch(`${base}/`)).status, 404);
      assert.equal((await fetch(`${base}/metrics/x`)).status, 404);
    } finally {
      server.close();
    }
  });
});
