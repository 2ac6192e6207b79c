// The audit-log repository (`audit_log`, append-only) on embedded SQLite and on the real MariaDB: every field
// read back, newest first, pages by `beforeId`, filtered by event, and over-long origins cut to their columns.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { AuditEvent, NewAuditEntry } from '../../src/audit/audit-log.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createStorage, STORAGE_MODES, type Storage } from '../support/gateway.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function open(storage: Storage): Promise<Store> {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  return url.startsWith('sqlite:') ? openStore({ kind: 'sqlite', file: url.slice(7) }) : openStore({ kind: 'mysql', url, poolSize: 5 });
}

const entry = (event: AuditEvent, subject: string, extra: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  event, actorUserId: null, subjectUserId: null, subject, ipAddress: '192.0.2.1', userAgent: 'ua', detail: {}, ...extra,
});

for (const mode of STORAGE_MODES) {
  describe(`audit log repository contract [${mode}]`, () => {
    let storage: Storage;
    let store: Store;
    beforeEach(async () => {
      storage = await createStorage(mode);
      store = await open(storage);
    });
    afterEach(async () => {
      await store.close();
      await storage.destroy();
    });

    test('append then list reads back every field', async () => {
      const detail = { reason: 'bad_password', attempts: 3, locked: false, provider: null };
      await store.auditLogs.append(entry('signin.failure', 'alice', { actorUserId: 7, subjectUserId: 8, ipAddress: '2001:db8::1', userAgent: 'Firefox', detail }), at(1234));
      const [row, ...rest] = await store.auditLogs.list({ beforeId: null, limit: 10 });
      assert.equal(rest.length, 0);
      assert.ok(row && row.id > 0);
      assert.deepEqual({ ...row, id: 0 }, {
        id: 0, createdAt: at(1234), event: 'signin.failure', actorUserId: 7, subjectUserId: 8, subject: 'alice',
        ipAddress: '2001:db8::1', userAgent: 'Firefox', detail,
      });
    });

    test('list is newest first by id, even when the clock went backwards', async () => {
      await store.auditLogs.append(entry('signin.success', 'first'), at(3000));
      await store.auditLogs.append(entry('signin.success', 'second'), at(1000));
      await store.auditLogs.append(entry('signin.success', 'third'), at(2000));
      assert.deepEqual((await store.auditLogs.list({ beforeId: null, limit: 10 })).map((e) => e.subject), ['third', 'second', 'first']);
    });

    test('pages by beforeId: each page strictly older than the last entry of the one before, none repeated', async () => {
      for (let i = 0; i < 7; i++) await store.auditLogs.append(entry('signin.success', `e${i}`), at(i));
      const seen: string[] = [];
      let beforeId: number | null = null;
      const sizes: number[] = [];
      for (;;) {
        const page = await store.auditLogs.list({ beforeId, limit: 3 });
        if (page.length === 0) break;
        sizes.push(page.length);
        seen.push(...page.map((e) => e.subject));
        beforeId = page.at(-1)!.id;
      }
      assert.deepEqual(sizes, [3, 3, 1]);
      assert.deepEqual(seen, ['e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e0']);
    });

    test('filters by event, also across pages', async () => {
      const events: AuditEvent[] = ['signin.success', 'signin.failure', 'signin.success', 'pat.created', 'signin.success'];
      for (const [i, event] of events.entries()) await store.auditLogs.append(entry(event, `e${i}`), at(i));
      const successes = await store.auditLogs.list({ beforeId: null, limit: 2, event: 'signin.success' });
      assert.deepEqual(successes.map((e) => e.subject), ['e4', 'e2']);
      const older = await store.auditLogs.list({ beforeId: successes.at(-1)!.id, limit: 2, event: 'signin.success' });
      assert.deepEqual(older.map((e) => e.subject), ['e0']);
      assert.deepEqual((await store.auditLogs.list({ beforeId: null, limit: 10, event: 'sso.denied' })), []);
    });

    test('an over-long IP address or user agent is cut to its column, not refused', async () => {
      await store.auditLogs.append(entry('signin.failure', 'x', { ipAddress: '1'.repeat(100), userAgent: 'u'.repeat(2000) }), T0);
      const [row] = await store.auditLogs.list({ beforeId: null, limit: 1 });
      assert.equal(row?.ipAddress, '1'.repeat(64));
      assert.equal(row?.userAgent, 'u'.repeat(512));
    });
  });
}
