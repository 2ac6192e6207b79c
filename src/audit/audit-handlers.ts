// Admin API for the audit trail: GET /api/v1/audit-logs?pageSize=&pageToken=&event= (newest first).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { rfc3339 } from '../http/timestamps.js';
import { parseInput } from '../http/validate.js';
import { AUDIT_EVENTS, type AuditEntry } from './audit-log.js';

export const query = z.object({
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  pageToken: z.string().regex(/^[0-9]{1,15}$/, 'not a page token from this API').optional(),
  event: z.enum(AUDIT_EVENTS).optional(),
});

function toJson(e: AuditEntry) {
  return {
    name: `auditLogs/${e.id}`,
    id: e.id,
    createTime: rfc3339(e.createdAt),
    event: e.event,
    actorUserId: e.actorUserId,
    subjectUserId: e.subjectUserId,
    subject: e.subject,
    ipAddress: e.ipAddress,
    userAgent: e.userAgent,
    detail: e.detail,
  };
}

export function listAuditLogs(deps: Deps): RequestHandler {
  return async (req, res) => {
    const q = parseInput(query, req.query, 'query');
    const entries = await deps.store.auditLogs.list({ beforeId: q.pageToken ? Number(q.pageToken) : null, limit: q.pageSize + 1, event: q.event });
    const page = entries.slice(0, q.pageSize);
    const more = entries.length > q.pageSize;
    res.json({ auditLogs: page.map(toJson), nextPageToken: more ? String(page[page.length - 1]!.id) : '' });
  };
}
