import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';

describe('config', () => {
  test('with an empty environment, gives the one-machine defaults', () => {
    const result = loadConfig({});
    assert.ok(result.ok);
    const c = result.config;
    assert.equal(c.port, 8081);
    assert.equal(c.instanceUrl, 'http://localhost:8081');
    assert.deepEqual(c.database, { kind: 'sqlite', file: './data/gateway.db' });
    assert.equal(c.redis, null);
    assert.equal(c.mode, 'prod');
    assert.deepEqual(c.trustedProxies, ['loopback']);
    assert.deepEqual(c.allowedRedirectHosts, ['localhost:8081']);
    assert.equal(c.bcryptCost, 10);
  });

  test('reports every problem at once, naming each variable', () => {
    const result = loadConfig({
      GATEWAY_PORT: 'eighty',
      GATEWAY_INSTANCE_URL: 'ftp://x',
      GATEWAY_DATABASE_URL: 'postgres://x',
      GATEWAY_MODE: 'staging',
      GATEWAY_REDIS_URL: 'http://redis',
    });
    assert.equal(result.ok, false);
    const text = !result.ok ? result.errors.join('\n') : '';
    for (const name of ['GATEWAY_PORT', 'GATEWAY_INSTANCE_URL', 'GATEWAY_DATABASE_URL', 'GATEWAY_MODE', 'GATEWAY_REDIS_URL']) {
      assert.match(text, new RegExp(name), `${name} should be reported`);
    }
  });

  test('demo mode refuses an https instance URL and a MySQL database together', () => {
    const result = loadConfig({
      GATEWAY_MODE: 'demo',
      GATEWAY_INSTANCE_URL: 'https://memos.example.com',
      GATEWAY_DATABASE_URL: 'mysql://u:p@db:3306/gw',
    });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.errors.length, 2);
  });

  test('the result is frozen', () => {
    const result = loadConfig({});
    assert.ok(result.ok);
    assert.throws(() => {
      (result.config as { port: number }).port = 1;
    }, TypeError);
  });

  test('parses redirect hosts and trusted proxies as lists', () => {
    const result = loadConfig({
      GATEWAY_ALLOWED_REDIRECT_HOSTS: 'app.example.com, .example.org',
      GATEWAY_TRUSTED_PROXIES: '10.0.0.0/8, loopback',
    });
    assert.ok(result.ok);
    assert.deepEqual(result.config.allowedRedirectHosts, ['app.example.com', '.example.org']);
    assert.deepEqual(result.config.trustedProxies, ['10.0.0.0/8', 'loopback']);
  });

  test('GATEWAY_WORKERS above 1 is refused without Redis, with a message that says why', () => {
    const result = loadConfig({ GATEWAY_WORKERS: '2' });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.errors.join('\n') : '', /GATEWAY_WORKERS: 2 workers need GATEWAY_REDIS_URL .*share nothing in memory/);
    const withRedis = loadConfig({ GATEWAY_WORKERS: '2', GATEWAY_REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.ok(withRedis.ok);
    assert.equal(withRedis.config.workers, 2);
    const one = loadConfig({});
    assert.ok(one.ok);
    assert.equal(one.config.workers, 1);
  });

  test('the signed upstream identity is off unless GATEWAY_UPSTREAM_JWT_HEADER names a header of its own', () => {
    const off = loadConfig({});
    assert.ok(off.ok);
    assert.equal(off.config.upstreamJwtHeader, null);
    const on = loadConfig({ GATEWAY_UPSTREAM_JWT_HEADER: 'X-Auth-Request-Jwt' });
    assert.ok(on.ok);
    assert.equal(on.config.upstreamJwtHeader, 'X-Auth-Request-Jwt');
    for (const bad of ['X-Auth-Request-User', 'Authorization', 'bad header', 'X:Y']) {
      const result = loadConfig({ GATEWAY_UPSTREAM_JWT_HEADER: bad });
      assert.ok(!result.ok, bad);
      assert.match(result.errors.join('\n'), /GATEWAY_UPSTREAM_JWT_HEADER/);
    }
  });

  test('GATEWAY_WEBAUTHN_RP_ID: the instance host or a parent domain of it; anything else is refused by name', () => {
    const at = (rpId?: string) => loadConfig({ GATEWAY_INSTANCE_URL: 'https://auth.corp.example.com', ...(rpId === undefined ? {} : { GATEWAY_WEBAUTHN_RP_ID: rpId }) });
    const none = at();
    assert.ok(none.ok);
    assert.equal(none.config.webauthnRpId, null);
    for (const good of ['auth.corp.example.com', 'corp.example.com', 'Example.COM']) {
      const r = at(good);
      assert.ok(r.ok, good);
      assert.equal(r.config.webauthnRpId, good.toLowerCase());
    }
    for (const bad of ['com', 'other.example.com', 'xample.com', 'evil-corp.example.com', 'https://corp.example.com', 'example.com:443', 'thcorp.example.com']) {
      const r = at(bad);
      assert.ok(!r.ok, bad);
      assert.match(r.errors.join('\n'), /GATEWAY_WEBAUTHN_RP_ID/, bad);
    }
  });

  test('config/example.env, as shipped, is a valid configuration', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('../../config/example.env', import.meta.url), 'utf8');
    const env = Object.fromEntries([...text.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    assert.ok(Object.keys(env).length > 20, 'the example names its variables');
    const result = loadConfig(env);
    assert.deepEqual(result.ok ? [] : result.errors, []);
    if (result.ok) assert.equal(result.config.oidcClientsFile, null, 'an empty value is unset');
  });
});
