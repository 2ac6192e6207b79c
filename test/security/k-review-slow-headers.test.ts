// Issue 9 review finding R15 (slow headers): a client that trickles its request headers is cut once
// headersTimeout has passed, checked every connectionsCheckingInterval (1 s), not after node's default 30 s
// check interval. The test shortens headersTimeout to 1 s; the check interval is the gateway's own.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { SERVER_TIMEOUTS } from '../../src/http/server.js';
import { startTestGateway } from '../support/gateway.js';
import { portOf } from '../support/raw-http.js';

const HEADERS_TIMEOUT_MS = 1000;
/** How long the test waits for the cut: headersTimeout + check interval + generous slack for a loaded machine. */
const GIVE_UP_MS = HEADERS_TIMEOUT_MS + SERVER_TIMEOUTS.connectionsCheckingInterval + 3000;

/** Opens a connection that sends a header line every 200 ms and never ends the headers; resolves when it closes. */
function trickleHeaders(port: number): Promise<{ closedAfterMs: number | null; received: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let line = 0;
    const timer = setInterval(() => socket.write(`X-Slow-${line++}: ${'a'.repeat(10)}\r\n`), 200);
    const giveUp = setTimeout(() => finish(null), GIVE_UP_MS);
    const finish = (closedAfterMs: number | null) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs, received });
    };
    socket.on('connect', () => socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`));
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => finish(Date.now() - started));
  });
}

describe('review: slow clients', () => {
  test('R15 slow headers: the gateway server cuts a connection shortly after headersTimeout', async () => {
    assert.deepEqual(
      { headersTimeout: SERVER_TIMEOUTS.headersTimeout, requestTimeout: SERVER_TIMEOUTS.requestTimeout, connectionsCheckingInterval: SERVER_TIMEOUTS.connectionsCheckingInterval },
      { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 },
      'the shipped limits',
    );
    const gw = await startTestGateway('embedded', { serverTimeouts: { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 2 * HEADERS_TIMEOUT_MS } });
    try {
      const port = portOf(await gw.listen());
      const control = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(control.status, 200, 'a client that sends its headers at once is served');
      const slow = await trickleHeaders(port);
      assert.notEqual(slow.closedAfterMs, null, `still open after ${GIVE_UP_MS} ms of trickled headers`);
      assert.ok(slow.closedAfterMs! >= HEADERS_TIMEOUT_MS, `closed only after headersTimeout (${slow.closedAfterMs} ms)`);
      assert.match(slow.received, /^HTTP\/1\.1 408 /, 'node answers 408 Request Timeout before closing');
    } finally {
      await gw.close();
    }
  });
});
