// `npm run admin -- rotate-key` against the embedded database: adds v2, and a running gateway honours both kids.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from '../support/process-gateway.js';

const run = promisify(execFile);

test('npm run admin -- rotate-key adds the next kid and lists the keys without secrets', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-admin-'));
  try {
    const env = { ...process.env, GATEWAY_DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}` };
    const first = await run('npm', ['run', '--silent', 'admin', '--', 'rotate-key'], { cwd: ROOT, env });
    assert.match(first.stdout, /^rotated: v2 signs new tokens/m);
    assert.match(first.stdout, /^v1\tcreated .*\tverifying until /m);
    assert.match(first.stdout, /^v2\tcreated .*\tsigning$/m);
    const second = await run('npm', ['run', '--silent', 'admin', '--', 'rotate-key'], { cwd: ROOT, env });
    assert.match(second.stdout, /^rotated: v3/m);
    await assert.rejects(run('npm', ['run', '--silent', 'admin', '--', 'bogus'], { cwd: ROOT, env }), /usage: npm run admin/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
