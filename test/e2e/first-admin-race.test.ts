// Two gateway processes on one empty MariaDB racing to create users: exactly one ADMIN, and both agree on one
// signing secret (a token from one verifies on the other).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { startGatewayProcess, type GatewayProcess } from '../support/process-gateway.js';

let db: TestDatabase;
let gateways: GatewayProcess[] = [];

before(async () => {
  db = await createTestDatabase();
  gateways = await Promise.all([0, 1].map(() => startGatewayProcess({ GATEWAY_DATABASE_URL: db.url })));
});
after(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await db?.drop();
});

test('two processes racing on an empty database create exactly one admin and share one secret', async () => {
  const signUps = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      fetch(`${gateways[i % 2]!.baseUrl}/api/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `racer-${i}`, password: 'pw' }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { role: string; username: string } })),
    ),
  );
  assert.ok(signUps.every((s) => s.status === 200), JSON.stringify(signUps));
  const admins = signUps.filter((s) => s.body.role === 'ADMIN');
  assert.equal(admins.length, 1);

  const signIn = await fetch(`${gateways[0]!.baseUrl}/api/v1/auth/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ passwordCredentials: { username: admins[0]!.body.username, password: 'pw' } }),
  });
  const { accessToken } = (await signIn.json()) as { accessToken: string };
  const me = await fetch(`${gateways[1]!.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(me.status, 200, 'a token signed by one replica verifies on the other');
});
