// Prometheus metrics on their own listener (GATEWAY_METRICS_ADDR), against the gateway process as `npm start`
// runs it (main.ts), with its own Redis: the scrape parses strictly as Prometheus text, counters move by exactly
// what a sign-in, failed sign-ins up to a ban, a refresh-token replay and 100 verifies did, no label value is a
// username, address or token, the public port has no /metrics, and a Redis that is down reads as down.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGatewayProcess, type GatewayProcess } from '../support/process-gateway.js';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../support/prometheus-text.js';
import { freePort, startRedis, type RedisHandle } from '../support/services.js';

const ADMIN = { username: 'metrics-admin', password: 'metrics admin password' };
const VICTIM = { username: 'metrics-victim', password: 'metrics victim password' };

let gateway: GatewayProcess;
let redis: RedisHandle;
let metricsUrl: string;

async function scrape(): Promise<Map<string, MetricFamily>> {
  const res = await fetch(metricsUrl);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.baseUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

const signIn = (credentials: { username: string; password: string }) => post('/api/v1/auth/signin', { passwordCredentials: credentials });

function refreshCookie(res: Response): string {
  const cookie = res.headers.getSetCookie().map((c) => /^memos_refresh=([^;]+)/.exec(c)?.[1]).find((v) => v !== undefined);
  assert.ok(cookie, 'a refresh cookie');
  return cookie;
}

const refresh = (token: string) => post('/api/v1/auth/refresh', {}, { Cookie: `memos_refresh=${token}`, Origin: gateway.baseUrl });

/** The change of each series between two scrapes (series absent before count from 0; absent after: a failure). */
function delta(before: Map<string, MetricFamily>, now: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  const value = sampleValue(now, name, labels);
  assert.notEqual(value, undefined, `${name}${JSON.stringify(labels)} is in the scrape`);
  return value! - (sampleValue(before, name, labels) ?? 0);
}

describe('Prometheus metrics on GATEWAY_METRICS_ADDR', { timeout: 120_000 }, () => {
  const secrets: string[] = [];

  before(async () => {
    redis = await startRedis();
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    gateway = await startGatewayProcess(
      { GATEWAY_METRICS_ADDR: `127.0.0.1:${metricsPort}`, GATEWAY_REDIS_URL: redis.url, GATEWAY_LOG_LEVEL: 'warn', GATEWAY_BCRYPT_COST: '4' },
      30_000,
      { direct: true },
    );
    const created = await post('/api/v1/users', ADMIN);
    assert.equal(created.status, 200, await created.clone().text());
    const adminToken = ((await (await signIn(ADMIN)).json()) as { accessToken: string }).accessToken;
    const victim = await post('/api/v1/users', VICTIM, { Authorization: `Bearer ${adminToken}` });
    assert.equal(victim.status, 200);
    secrets.push(adminToken);
  });

  after(async () => {
    await gateway?.stop();
    await redis?.destroy();
  });

  it('is not on the public port: /metrics there answers 404', async () => {
    const res = await fetch(`${gateway.baseUrl}/metrics`);
    assert.equal(res.status, 404);
    assert.doesNotMatch(await res.text(), /gateway_verify_requests_total|process_cpu/);
    const other = await fetch(metricsUrl.replace('/metrics', '/api/v1/users'));
    assert.equal(other.status, 404, 'the metrics listener serves /metrics only');
  });

  it('scrapes as strict Prometheus text with every gateway family, default process metrics and both dependencies up', async () => {
    const families = await scrape();
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    assert.equal(types.gateway_verify_requests_total, 'counter');
    assert.equal(types.gateway_verify_duration_seconds, 'histogram');
    assert.equal(types.gateway_signin_total, 'counter');
    assert.equal(types.gateway_refresh_total, 'counter');
    assert.equal(types.gateway_regulation_bans_total, 'counter');
    assert.equal(types.gateway_verify_cache_hits_total, 'counter');
    assert.equal(types.gateway_verify_cache_misses_total, 'counter');
    assert.equal(types.gateway_dependency_up, 'gauge');
    assert.equal(types.process_resident_memory_bytes, 'gauge');
    assert.equal(types.nodejs_eventloop_lag_seconds, 'gauge');
    const les = families.get('gateway_verify_duration_seconds')!.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => Number(s.labels.le));
    assert.ok(les.filter((le) => le < 0.001).length >= 3, `sub-millisecond buckets: ${les.join(', ')}`);
    assert.equal(sampleValue(families, 'gateway_dependency_up', { dependency: 'database' }), 1);
    assert.equal(sampleValue(families, 'gateway_dependency_up', { dependency: 'redis' }), 1);
    // Every label child exists before its first event: an alert on rate() sees 0, not a missing series.
    assert.equal(sampleValue(families, 'gateway_signin_total', { method: 'passkey', result: 'banned' }), 0);
    assert.equal(sampleValue(families, 'gateway_verify_requests_total', { decision: 'error' }), 0);
  });

  it('counts a sign-in, failed sign-ins up to a ban, 100 verifies and a refresh-token replay, exactly', async () => {
    const start = await scrape();

    const ok = await signIn(ADMIN);
    assert.equal(ok.status, 200);
    const { accessToken } = (await ok.json()) as { accessToken: string };
    secrets.push(accessToken);
    const r0 = refreshCookie(ok);
    secrets.push(r0);

    const wrong = await signIn({ ...ADMIN, password: 'not the password' });
    assert.equal(wrong.status, 401);
    // The victim's account: five failures reach the per-account limit (a ban), the sixth attempt is refused.
    for (let i = 0; i < 5; i++) assert.equal((await signIn({ ...VICTIM, password: `guess ${i}` })).status, 401);
    assert.equal((await signIn(VICTIM)).status, 429);

    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${gateway.baseUrl}/auth/verify`, {
        headers: { Authorization: `Bearer ${accessToken}`, 'X-Original-URL': `${gateway.baseUrl}/app/${i}` },
      });
      assert.equal(res.status, 200);
    }

    const first = await refresh(r0);
    assert.equal(first.status, 200);
    const r1 = refreshCookie(first);
    const second = await refresh(r1);
    assert.equal(second.status, 200);
    secrets.push(r1, refreshCookie(second));
    // r0 is two rotations old (not the racing direct predecessor): a replay, the session is revoked.
    assert.equal((await refresh(r0)).status, 401);

    const end = await scrape();
    const d = (name: string, labels: Record<string, string> = {}) => delta(start, end, name, labels);
    assert.equal(d('gateway_signin_total', { method: 'password', result: 'success' }), 1);
    assert.equal(d('gateway_signin_total', { method: 'password', result: 'failure' }), 6);
    assert.equal(d('gateway_signin_total', { method: 'password', result: 'banned' }), 1);
    assert.equal(d('gateway_regulation_bans_total', { kind: 'user' }), 1);
    assert.equal(d('gateway_regulation_bans_total', { kind: 'ip' }), 0);
    assert.equal(d('gateway_verify_requests_total', { decision: 'allow' }), 100);
    assert.equal(d('gateway_verify_requests_total', { decision: 'unauthenticated' }), 0);
    assert.equal(d('gateway_verify_duration_seconds_count'), 100);
    assert.equal(d('gateway_verify_duration_seconds_bucket', { le: '+Inf' }), 100);
    // One token, one session: the first verify misses both caches, the other 99 hit them.
    assert.equal(d('gateway_verify_cache_misses_total', { cache: 'access_token' }), 1);
    assert.equal(d('gateway_verify_cache_hits_total', { cache: 'access_token' }), 99);
    assert.equal(d('gateway_verify_cache_misses_total', { cache: 'access_token_session' }), 1);
    assert.equal(d('gateway_verify_cache_hits_total', { cache: 'access_token_session' }), 99);
    assert.equal(d('gateway_refresh_total', { result: 'success' }), 2);
    assert.equal(d('gateway_refresh_total', { result: 'reuse_detected' }), 1);
    assert.equal(d('gateway_refresh_total', { result: 'failure' }), 0);

    // The revoked session's token is now refused: a denial is counted as one.
    const denied = await fetch(`${gateway.baseUrl}/auth/verify`, { headers: { Authorization: `Bearer ${accessToken}`, 'X-Original-URL': `${gateway.baseUrl}/` } });
    assert.equal(denied.status, 401);
    assert.equal(delta(end, await scrape(), 'gateway_verify_requests_total', { decision: 'unauthenticated' }), 1);
  });

  it('has no label value that is a username, an address, a password or a token', async () => {
    const families = await scrape();
    const forbidden = [ADMIN.username, VICTIM.username, ADMIN.password, VICTIM.password, '127.0.0.1', '::ffff:127.0.0.1', '::1', ...secrets];
    let values = 0;
    for (const family of families.values()) {
      for (const sample of family.samples) {
        for (const value of Object.values(sample.labels)) {
          values += 1;
          for (const bad of forbidden) assert.ok(!value.includes(bad), `${sample.name} has a label value with "${bad}"`);
        }
      }
    }
    assert.ok(values > 50, 'label values were looked at');
    assert.ok(secrets.length >= 4, 'tokens of this test are among the forbidden values');
  });

  it('reports Redis down (0) within the scrape when it stops, and up again when it is back', async () => {
    await redis.stop();
    const started = performance.now();
    const down = await scrape();
    assert.ok(performance.now() - started < 5000, 'the scrape does not hang on a dead dependency');
    assert.equal(sampleValue(down, 'gateway_dependency_up', { dependency: 'redis' }), 0);
    assert.equal(sampleValue(down, 'gateway_dependency_up', { dependency: 'database' }), 1);
    await redis.start();
    let up: number | undefined = 0;
    for (let i = 0; i < 50 && up !== 1; i++) {
      up = sampleValue(await scrape(), 'gateway_dependency_up', { dependency: 'redis' });
      if (up !== 1) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(up, 1);
  });
});
