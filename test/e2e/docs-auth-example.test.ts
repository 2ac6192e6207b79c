// The Memos docs' "Complete Authentication Example (curl)", run with real curl against `npm start`,
// preceded by creating the first user: sign-in, an authenticated request (me), refresh (the cookie rotates),
// sign-out with the cookie alone, then refresh → 401.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startGatewayProcess, type GatewayProcess } from '../support/process-gateway.js';

const run = promisify(execFile);

const SCRIPT = `#!/bin/bash
set -u
BASE_URL="$1"
USERNAME="demo"
PASSWORD="secret"
cd "$2"

# 0. The first user (becomes the admin)
curl -s -X POST "$BASE_URL/api/v1/users" -H "Content-Type: application/json" \\
  -d "{\\"username\\": \\"$USERNAME\\", \\"password\\": \\"$PASSWORD\\"}" > created.json

# 1. Sign in and get access token
RESPONSE=$(curl -s -c cookies.txt -X POST "$BASE_URL/api/v1/auth/signin" \\
  -H "Content-Type: application/json" \\
  -d "{
    \\"passwordCredentials\\": {
      \\"username\\": \\"$USERNAME\\",
      \\"password\\": \\"$PASSWORD\\"
    }
  }")
echo "$RESPONSE" > signin.json
ACCESS_TOKEN=$(echo $RESPONSE | jq -r '.accessToken')
cp cookies.txt cookies-after-signin.txt

# 2. Make authenticated request
curl -s "$BASE_URL/api/v1/auth/me" -H "Authorization: Bearer $ACCESS_TOKEN" > me.json

# 3. Refresh token
curl -s -c cookies.txt -b cookies.txt -X POST "$BASE_URL/api/v1/auth/refresh" > refresh.json
cp cookies.txt cookies-after-refresh.txt

# 4. Sign out
curl -s -b cookies.txt -c cookies.txt -X POST "$BASE_URL/api/v1/auth/signout" > signout.json

# 5. Subsequent refresh attempts fail (with the refresh cookie as it was before sign-out)
curl -s -o refresh-after.json -w '%{http_code}' -b cookies-after-refresh.txt -X POST "$BASE_URL/api/v1/auth/refresh" > refresh-after.status
`;

function refreshCookie(jar: string): string | undefined {
  return jar.split('\n').find((l) => l.includes('\tmemos_refresh\t'))?.split('\t')[6];
}

describe('the docs complete authentication example against npm start', () => {
  let gateway: GatewayProcess;
  let dir: string;
  before(async () => {
    gateway = await startGatewayProcess();
    dir = mkdtempSync(join(tmpdir(), 'docs-example-'));
    writeFileSync(join(dir, 'example.sh'), SCRIPT);
    await run('bash', [join(dir, 'example.sh'), gateway.baseUrl, dir], { timeout: 60_000 });
  });
  after(async () => {
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const read = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, any>;

  test('the gateway logged one line saying it runs on the embedded default', () => {
    assert.match(gateway.output(), /listening on http:\/\/127\.0\.0\.1:\d+ .*embedded SQLite/);
  });

  test('creating the first user made an admin', () => {
    assert.equal(read('created.json').role, 'ADMIN');
  });

  test('sign-in returned the user, an access token and its expiry, and curl stored the refresh cookie', () => {
    const signin = read('signin.json');
    assert.equal(signin.user.username, 'demo');
    assert.match(signin.accessToken, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(Date.parse(signin.accessTokenExpiresAt) > Date.now());
    assert.ok(refreshCookie(readFileSync(join(dir, 'cookies-after-signin.txt'), 'utf8')));
  });

  test('the authenticated request named the user', () => {
    assert.equal(read('me.json').user.username, 'demo');
  });

  test('refresh returned a new access token and rotated the cookie', () => {
    const refresh = read('refresh.json');
    assert.match(refresh.accessToken, /^eyJ/);
    assert.ok(refresh.expiresAt);
    const before = refreshCookie(readFileSync(join(dir, 'cookies-after-signin.txt'), 'utf8'));
    const afterRefresh = refreshCookie(readFileSync(join(dir, 'cookies-after-refresh.txt'), 'utf8'));
    assert.ok(afterRefresh);
    assert.notEqual(afterRefresh, before);
  });

  test('sign-out with the cookie alone answered {} and the refresh token is dead afterwards', () => {
    assert.deepEqual(read('signout.json'), {});
    assert.equal(readFileSync(join(dir, 'refresh-after.status'), 'utf8'), '401');
    assert.equal(read('refresh-after.json').code, 16);
  });
});
