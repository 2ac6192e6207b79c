// The audit trail of security events: who did what, when, from where. Never a secret: callers pass ids,
// usernames and reasons, not tokens or passwords. Writing is best effort: a failed audit write is logged
// and never turns a sign-in or a revocation into an error.
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';

export const AUDIT_EVENTS = [
  'signin.success', 'signin.failure', 'signin.banned', 'signout', 'refresh.reuse_detected',
  'pat.created', 'pat.revoked', 'session.revoked', 'sessions.revoked_all', 'user.created', 'user.updated',
  'user.deleted', 'password.changed', 'idp.created', 'idp.updated', 'idp.deleted', 'settings.updated',
  'signing_key.rotated', 'sso.signin', 'sso.denied',
  'account.unlocked', 'database.backed_up', 'database.restored',
  'mfa.enrolled', 'mfa.removed', 'mfa.used', 'mfa.failure', 'mfa.banned', 'mfa.recovery_code_used',
  'mfa.recovery_codes_regenerated', 'mfa.reset',
  'oidc.authorize', 'oidc.consent', 'oidc.token', 'oidc.refresh', 'oidc.denied', 'oidc.logout', 'oidc_client.created',
  'oidc_client.updated', 'oidc_client.deleted', 'oidc_signing_key.rotated',
  'user.groups_updated',
  'oidc.consent_revoked',
  'identity.linked', 'identity.unlinked',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export interface AuditEntry {
  id: number;
  createdAt: Date;
  event: AuditEvent;
  actorUserId: number | null;
  subjectUserId: number | null;
  /** What the event was about beyond a user: a username tried, a token id, a provider uid, a setting name. */
  subject: string;
  ipAddress: string;
  userAgent: string;
  detail: Record<string, string | number | boolean | null>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'createdAt'>;

export interface AuditLogRepository {
  append(entry: NewAuditEntry, at: Date): Promise<void>;
  /** Newest first, strictly older than `beforeId` when given. */
  list(options: { beforeId: number | null; limit: number; event?: AuditEvent | undefined }): Promise<AuditEntry[]>;
}

/** Where a request came from, as recorded on each entry (IP through the trusted-proxy rule). */
export interface AuditOrigin {
  ipAddress: string;
  userAgent: string;
}

export function originOf(req: { ip?: string | undefined; get(name: string): string | undefined }): AuditOrigin {
  return { ipAddress: (req.ip ?? '').replace(/^::ffff:/, ''), userAgent: (req.get('user-agent') ?? '').slice(0, 512) };
}

/** What writing an audit row needs. */
export interface AuditDeps {
  store: { auditLogs: AuditLogRepository };
  clock: Clock;
  logger: Logger;
}

export async function recordAudit(
  deps: AuditDeps,
  event: AuditEvent,
  origin: AuditOrigin | null,
  fields: { actorUserId?: number | null; subjectUserId?: number | null; subject?: string; detail?: AuditEntry['detail'] } = {},
): Promise<void> {
  try {
    await deps.store.auditLogs.append(
      {
        event,
        actorUserId: fields.actorUserId ?? null,
        subjectUserId: fields.subjectUserId ?? null,
        subject: (fields.subject ?? '').slice(0, 256),
        ipAddress: origin?.ipAddress ?? '',
        userAgent: origin?.userAgent ?? '',
        detail: fields.detail ?? {},
      },
      deps.clock.now(),
    );
  } catch (err) {
    deps.logger.error({ err, event }, 'audit log write failed');
  }
}
