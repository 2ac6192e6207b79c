// GATEWAY_WORKERS=2 as a user runs it: two node:cluster workers share the port (both say so), answer requests,
// and one SIGTERM to the primary drains both and ends the process with 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startGatewayProcess } from '../support/process-gateway.js';
import { testRedisUrl, uniqueKeyPrefix } from '../support/redis.js';

test('GATEWAY_WORKERS=2 starts two workers on one port, and SIGTERM drains both', async () => {
  const gw = await startGatewayProcess(
    { GATEWAY_WORKERS: '2', GATEWAY_REDIS_URL: testRedisUrl(), GATEWAY_REDIS_KEY_PREFIX: uniqueKeyPrefix('workers'), GATEWAY_SHUTDOWN_DELAY_MS: '100' },
    30_000,
    { direct: true },
  );
  try {
    for (let i = 0; i < 300 && !gw.output().includes('2 workers listening'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(gw.output(), /worker 1 of 2/);
    assert.match(gw.output(), /worker 2 of 2/);
    for (let i = 0; i < 4; i++) assert.equal((await fetch(`${gw.baseUrl}/healthz`)).status, 200);
  } finally {
    const code = await gw.stop('SIGTERM');
    assert.equal(code, 0, gw.output());
    // The primary reports each worker's exit: both ended on their own (code 0, no signal), after draining.
    assert.equal(gw.output().match(/"exitCode":0,"signal":null,"msg":"worker stopped"/g)?.length, 2, gw.output());
    assert.match(gw.output(), /all workers stopped/);
  }
});
