// /admin/audit (admins): the audit log filtered by event, user and time range, paginated, with the hourly
// chart of the last 7 days (console-chart.ts); and /admin/keys: the signing keys, rotate.
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { AUDIT_EVENTS, originOf, recordAudit, type AuditEntry } from '../audit/audit-log.js';
import { rotateSigningKey } from '../auth/keys.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { parseInput } from '../http/validate.js';
import { html } from './html.js';
import { countPerHour, renderChart } from './console-chart.js';
import { actionButton, sendConsolePage } from './console-html.js';
import { consoleView, redirectWithFlash } from './console-request.js';

const PAGE = 50;
const BATCH = 500;
/** How many rows one page view reads at most (filters and the chart scan newest first). */
const SCAN_LIMIT = 20_000;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

const localTime = z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/)]).default('');
export const auditPageQuery = z.object({
  event: z.union([z.literal(''), z.enum(AUDIT_EVENTS)]).default(''),
  user: z.union([z.literal(''), z.string().regex(/^[0-9]{1,15}$/)]).default(''),
  from: localTime,
  to: localTime,
  before: z.union([z.literal(''), z.string().regex(/^[0-9]{1,15}$/)]).default(''),
});

async function scan(deps: Deps, stop: (e: AuditEntry) => boolean, keep: (e: AuditEntry) => boolean, want: number, beforeId: number | null): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let cursor = beforeId;
  for (let read = 0; read < SCAN_LIMIT && out.length < want; read += BATCH) {
    const batch = await deps.store.auditLogs.list({ beforeId: cursor, limit: BATCH });
    for (const e of batch) {
      if (stop(e)) return out;
      if (keep(e)) out.push(e);
      if (out.length >= want) return out;
    }
    if (batch.length < BATCH) break;
    cursor = batch[batch.length - 1]!.id;
  }
  return out;
}

export function showAuditPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    const q = parseInput(auditPageQuery, req.query, 'query');
    const now = deps.clock.now();
    const from = q.from ? new Date(`${q.from}:00Z`) : null;
    const to = q.to ? new Date(`${q.to}:00Z`) : null;
    const keep = (e: AuditEntry) =>
      (q.event === '' || e.event === q.event) &&
      (q.user === '' || e.actorUserId === Number(q.user) || e.subjectUserId === Number(q.user)) &&
      (to === null || e.createdAt <= to);
    const [entries, week] = await Promise.all([
      scan(deps, (e) => from !== null && e.createdAt < from, keep, PAGE + 1, q.before ? Number(q.before) : null),
      scan(deps, (e) => e.createdAt.getTime() < now.getTime() - WEEK_MS, () => true, SCAN_LIMIT, null),
    ]);
    const page = entries.slice(0, PAGE);
    const next = entries.length > PAGE ? new URLSearchParams({ event: q.event, user: q.user, from: q.from, to: q.to, before: String(page[page.length - 1]!.id) }) : null;
    const view = consoleView(req, res, 'audit');
    const body = html`${renderChart(countPerHour(week, now))}
<form method="get" action="/admin/audit" id="audit-filter">
<label>Event <select name="event" id="audit-event"><option value="">All events</option>${AUDIT_EVENTS.map((e) => html`<option value="${e}"${q.event === e ? html` selected` : ''}>${e}</option>`)}</select></label>
<label>User id <input type="text" inputmode="numeric" name="user" id="audit-user" value="${q.user}"></label>
<label>From (UTC) <input type="datetime-local" name="from" value="${q.from}"></label>
<label>To (UTC) <input type="datetime-local" name="to" value="${q.to}"></label>
<button class="button small" type="submit">Filter</button></form>
<table id="audit"><thead><tr><th scope="col">Time (UTC)</th><th scope="col">Event</th><th scope="col">Actor</th><th scope="col">Subject</th><th scope="col">Address</th><th scope="col">Detail</th></tr></thead><tbody>
${page.map((e) => html`<tr data-event="${e.event}"><td>${e.createdAt.toISOString().slice(0, 19).replace('T', ' ')}</td><td>${e.event}</td><td>${e.actorUserId ?? ''}</td><td>${e.subjectUserId !== null ? `user ${e.subjectUserId} ` : ''}${e.subject}</td><td>${e.ipAddress}</td><td class="detail">${Object.entries(e.detail).map(([k, v]) => `${k}=${String(v)}`).join(' ')}</td></tr>`)}
</tbody></table>
${next ? html`<p><a href="/admin/audit?${next.toString()}" id="audit-next">Older entries</a></p>` : ''}`;
    sendConsolePage(res, deps.config, 200, 'Audit log', view, body);
  };
}

export function showKeysPage(deps: Deps): RequestHandler {
  return async (req, res) => {
    await deps.keys.reload(deps.clock.now());
    const view = consoleView(req, res, 'settings');
    const body = html`<table id="keys"><thead><tr><th scope="col">Key id</th><th scope="col">Created</th><th scope="col">Signs</th><th scope="col">Retires</th></tr></thead><tbody>
${deps.keys.keys.map((k) => html`<tr><td>${k.kid}</td><td>${k.createdAt.toISOString()}</td><td>${k.kid === deps.keys.signing.kid ? 'yes' : 'no (verifies only)'}</td><td>${k.retiresAt ? k.retiresAt.toISOString() : ''}</td></tr>`)}
</tbody></table>
<p>${actionButton('/admin/keys/rotate', 'Rotate the signing key', view.csrfToken, { confirm: 'Start signing with a new key? Older keys keep verifying until their tokens expire.', id: 'rotate-key' })}</p>`;
    sendConsolePage(res, deps.config, 200, 'Signing keys', view, body);
  };
}

export function submitRotateKey(deps: Deps): RequestHandler {
  return async (req, res) => {
    const rotated = await rotateSigningKey(deps.store.settings, deps.clock.now());
    await deps.keys.reload(deps.clock.now());
    await recordAudit(deps, 'signing_key.rotated', originOf(req), { actorUserId: requirePrincipal(res).user.id, subject: rotated.kid });
    redirectWithFlash(req, res, '/admin/keys', `Now signing with key ${rotated.kid}.`);
  };
}
