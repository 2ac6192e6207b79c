// What a one-process gateway loads at start (deps.ts): libraries only some deployments use are imported when first
// needed, so every other gateway does not carry their memory (issue 17's idle RSS). The real process, started as
// in the image but on src/ through tsx, with a resolve hook recording every package it imports.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startGatewayProcess } from '../support/process-gateway.js';

/** Imported only by gateways that use them, never at start with the defaults (SQLite, in-process state). */
const ON_FIRST_USE = ['ioredis', 'prom-client', '@simplewebauthn/server', 'qrcode', 'mysql2'];

test('with the defaults the gateway starts without Redis, metrics, passkey, QR-code or MySQL libraries, and loads the passkey one on the first ceremony', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-imports-'));
  const file = join(dir, 'imports.txt');
  const gw = await startGatewayProcess({ RECORD_IMPORTS_FILE: file, GATEWAY_LOG_LEVEL: 'warn' }, 60_000, {
    direct: true,
    nodeArgs: ['--import', './test/support/record-imports.mjs'],
  });
  try {
    const imported = () => new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean));
    const atStart = imported();
    // Positive control: the recording sees what the gateway does load.
    for (const used of ['express', 'better-sqlite3', 'jose', 'openid-client']) assert.ok(atStart.has(used), `${used} is recorded at start`);
    assert.deepEqual(ON_FIRST_USE.filter((p) => atStart.has(p)), [], 'loaded at start');

    const res = await fetch(`${gw.baseUrl}/api/v1/auth/passkey:options`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200, await res.text());
    assert.ok(imported().has('@simplewebauthn/server'), 'the first passkey ceremony loads the WebAuthn library');
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
