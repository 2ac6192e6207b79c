// Audit rows for operator actions: the same events the API records, with actor "cli" (no user, no address).
import { recordAudit, type AuditEntry, type AuditEvent } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';

const CLI_ORIGIN = { ipAddress: '', userAgent: 'sso-gateway-cli' };

export function auditCli(
  deps: Pick<Deps, 'store' | 'clock' | 'logger'>,
  event: AuditEvent,
  fields: { subjectUserId?: number | null; subject?: string; detail?: AuditEntry['detail'] } = {},
): Promise<void> {
  return recordAudit(deps, event, CLI_ORIGIN, { ...fields, actorUserId: null, detail: { actor: 'cli', ...fields.detail } });
}
