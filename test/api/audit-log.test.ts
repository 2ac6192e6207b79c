// The audit trail on both storage modes: security events recorded with who, when, IP and user agent, never a
// secret; admin-only, newest first, paged.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createAdmin, createSignedInUser, createUser, type SignedIn } from '../support/users.js';

interface Entry {
  event: string;
  subject: string;
  actorUserId: number | null;
  subjectUserId: number | null;
  ipAddress: string;
  userAgent: string;
}

for (const mode of STORAGE_MODES) {
  describe(`audit log [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      admin = await createAdmin(gw);
    });
    afterEach(() => gw.close());

    const entries = async (query = '') => {
      const res = await gw.http.get(`/api/v1/audit-logs${query}`).set(admin.auth);
      assert.equal(res.status, 200);
      return res.body as { auditLogs: Entry[]; nextPageToken: string };
    };

    test('sign-in success and failure are recorded with IP and user agent, and never the password', async () => {
      const user = await createUser(gw, { password: 'hunter2-very-secret' });
      await gw.http.post('/api/v1/auth/signin').set('User-Agent', 'curl/8.0').set('X-Forwarded-For', '203.0.113.5')
        .send({ passwordCredentials: { username: user.username, password: 'wrong-guess-123' } });
      await gw.http.post('/api/v1/auth/signin').set('User-Agent', 'curl/8.0')
        .send({ passwordCredentials: { username: user.username, password: 'hunter2-very-secret' } });
      const { auditLogs } = await entries();
      const failure = auditLogs.find((e) => e.event === 'signin.failure')!;
      assert.equal(failure.subject, user.username);
      assert.equal(failure.subjectUserId, user.id);
      assert.equal(failure.ipAddress, '203.0.113.5');
      assert.equal(failure.userAgent, 'curl/8.0');
      const success = auditLogs.find((e) => e.event === 'signin.success' && e.subjectUserId === user.id)!;
      assert.equal(success.actorUserId, user.id);
      const all = JSON.stringify(await entries('?pageSize=500'));
      assert.doesNotMatch(all, /hunter2|wrong-guess|eyJ|memos_pat_/);
    });

    test('sign-out, settings changes, key rotation and user creation are recorded', async () => {
      const user = await createSignedInUser(gw);
      await gw.http.post('/api/v1/auth/signout').set('Cookie', user.jar.header('memos_refresh')).expect(200);
      await gw.http.patch('/api/v1/instance/settings/GENERAL').set(admin.auth).send({ generalSetting: { disallowUserRegistration: true } }).expect(200);
      await gw.http.post('/api/v1/instance/signing-keys').set(admin.auth).expect(200);
      const events = (await entries()).auditLogs.map((e) => e.event);
      for (const event of ['signout', 'settings.updated', 'signing_key.rotated', 'user.created']) {
        assert.ok(events.includes(event), `${event} in ${events.join(',')}`);
      }
    });

    test('a detected refresh-token replay is recorded', async () => {
      const user = await createSignedInUser(gw);
      const original = user.jar.header('memos_refresh');
      await gw.http.post('/api/v1/auth/refresh').set('Cookie', original).expect(200);
      gw.clock.advance(10_000);
      await gw.http.post('/api/v1/auth/refresh').set('Cookie', original).expect(401);
      assert.ok((await entries('?event=refresh.reuse_detected')).auditLogs.length === 1);
    });

    test('pages newest first with a page token, and only admins may read it', async () => {
      for (let i = 0; i < 5; i++) await createUser(gw);
      const first = await entries('?pageSize=2');
      assert.equal(first.auditLogs.length, 2);
      assert.ok(first.nextPageToken);
      const second = await entries(`?pageSize=2&pageToken=${first.nextPageToken}`);
      const ids = (x: { auditLogs: unknown[] }) => (x.auditLogs as Array<{ id: number }>).map((e) => e.id);
      assert.ok(Math.min(...ids(first)) > Math.max(...ids(second)), 'the second page is older');
      const user = await createSignedInUser(gw);
      assert.equal((await gw.http.get('/api/v1/audit-logs').set(user.auth)).status, 403);
      assert.equal((await gw.http.get('/api/v1/audit-logs')).status, 401);
      assert.equal((await gw.http.get('/api/v1/audit-logs?pageToken=abc').set(admin.auth)).status, 400);
    });
  });
}
