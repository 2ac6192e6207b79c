// The audit row an SSO outcome leaves (sso.signin / sso.denied), read straight from the gateway's store: the event,
// the provider uid (`subject`), the reason code, and proof the row holds no code, state, token or secret.
import assert from 'node:assert/strict';
import type { AuditEntry } from '../../src/audit/audit-log.js';
import type { Deps } from '../../src/deps.js';

interface HasStore {
  deps: Pick<Deps, 'store'>;
}

// The newest SSO row each gateway's test has already accepted: every expectation needs a row newer than it.
const accepted = new WeakMap<HasStore, number>();

export interface ExpectedSsoAudit {
  event: 'sso.signin' | 'sso.denied';
  /** The provider uid; '' when the refusal came before any provider was known. */
  provider: string;
  /** For sso.denied: the stable reason code (FLOW_INVALID, CODE_REJECTED, …). */
  reason?: string;
  step?: 'start' | 'callback' | 'api';
  /** Values that must not appear anywhere in the row (codes, states, tokens, cookie values, secrets). */
  secrets?: (string | null | undefined)[];
}

/**
 * Asserts that the newest SSO audit row is a new one (none since the last call for this gateway, or since it
 * started) and is the expected outcome. Returns the row.
 */
export async function expectSsoAudit(gw: HasStore, expected: ExpectedSsoAudit, what = ''): Promise<AuditEntry> {
  const rows = (await gw.deps.store.auditLogs.list({ beforeId: null, limit: 50 })).filter((e) => e.event.startsWith('sso.'));
  const row = rows[0];
  const label = `${what} audit ${expected.event} ${expected.reason ?? ''}`.trim();
  assert.ok(row, `${label}: no SSO audit row at all`);
  assert.ok(row.id > (accepted.get(gw) ?? 0), `${label}: no new SSO audit row (the newest is ${row.event} ${JSON.stringify(row.detail)})`);
  accepted.set(gw, row.id);
  assert.equal(row.event, expected.event, `${label}: ${JSON.stringify(row)}`);
  assert.equal(row.subject, expected.provider, `${label}: provider uid`);
  if (expected.event === 'sso.denied') {
    assert.equal(row.detail.reason, expected.reason, `${label}: reason`);
    assert.equal(row.actorUserId, null, `${label}: nobody was signed in`);
  } else {
    assert.equal(row.detail.reason, undefined, `${label}: a sign-in has no refusal reason`);
    assert.ok(row.subjectUserId !== null && row.subjectUserId > 0, `${label}: names the user signed in`);
  }
  if (expected.step) assert.equal(row.detail.step, expected.step, `${label}: step`);
  const text = JSON.stringify(row);
  for (const secret of expected.secrets ?? []) {
    if (secret) assert.ok(!text.includes(secret), `${label}: the row holds a secret: ${text}`);
  }
  // Codes, states, tokens and cookie values are long random strings or JWTs; ids and reason codes are not.
  assert.doesNotMatch(text, /eyJ|[A-Za-z0-9_~.-]{32,}/, `${label}: the row holds something token-like: ${text}`);
  return row;
}
