// AuditLogRepository over Kysely: append-only, read newest first by id.
import type { Kysely } from 'kysely';
import type { AuditEntry, AuditEvent, AuditLogRepository, NewAuditEntry } from '../../audit/audit-log.js';
import type { Database } from '../schema.js';

export class SqlAuditLogRepository implements AuditLogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(e: NewAuditEntry, at: Date): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        created_ts: at.getTime(),
        event: e.event,
        actor_user_id: e.actorUserId,
        subject_user_id: e.subjectUserId,
        subject: e.subject,
        ip_address: e.ipAddress.slice(0, 64),
        user_agent: e.userAgent.slice(0, 512),
        detail: JSON.stringify(e.detail),
      })
      .execute();
  }

  async list(options: { beforeId: number | null; limit: number; event?: AuditEvent | undefined }): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(options.limit);
    if (options.beforeId !== null) q = q.where('id', '<', options.beforeId);
    if (options.event) q = q.where('event', '=', options.event);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: Number(r.id),
      createdAt: new Date(Number(r.created_ts)),
      event: r.event as AuditEvent,
      actorUserId: r.actor_user_id === null ? null : Number(r.actor_user_id),
      subjectUserId: r.subject_user_id === null ? null : Number(r.subject_user_id),
      subject: r.subject,
      ipAddress: r.ip_address,
      userAgent: r.user_agent,
      detail: JSON.parse(r.detail) as AuditEntry['detail'],
    }));
  }
}
