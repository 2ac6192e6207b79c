// The audit log's chart: sign-ins, failures and bans per hour over the last 7 days, as server-rendered SVG
// (no chart library in the browser). Counts come from audit rows; the latest hour is the rightmost bar group.
import type { AuditEntry } from '../audit/audit-log.js';
import { html, type SafeHtml } from './html.js';

export const CHART_HOURS = 7 * 24;
const HOUR_MS = 60 * 60 * 1000;

export interface HourlyCounts {
  /** Start of each hour, oldest first; the last one is the hour that contains `now`. */
  hours: Date[];
  signIns: number[];
  failures: number[];
  bans: number[];
}

// Every completed sign-in (password, SSO, second step) writes one signin.success (sessions/complete-sign-in.ts).
const SIGN_INS = new Set(['signin.success']);
const FAILURES = new Set(['signin.failure', 'sso.denied', 'mfa.failure']);
const BANS = new Set(['signin.banned', 'mfa.banned']);

export function countPerHour(entries: AuditEntry[], now: Date): HourlyCounts {
  const last = Math.floor(now.getTime() / HOUR_MS);
  const first = last - CHART_HOURS + 1;
  const zero = () => new Array<number>(CHART_HOURS).fill(0);
  const counts: HourlyCounts = { hours: Array.from({ length: CHART_HOURS }, (_, i) => new Date((first + i) * HOUR_MS)), signIns: zero(), failures: zero(), bans: zero() };
  for (const e of entries) {
    const i = Math.floor(e.createdAt.getTime() / HOUR_MS) - first;
    if (i < 0 || i >= CHART_HOURS) continue;
    if (SIGN_INS.has(e.event)) counts.signIns[i]! += 1;
    else if (FAILURES.has(e.event)) counts.failures[i]! += 1;
    else if (BANS.has(e.event)) counts.bans[i]! += 1;
  }
  return counts;
}

const SERIES = [
  { key: 'signIns', label: 'Sign-ins', color: '#1a7f37' },
  { key: 'failures', label: 'Failures', color: '#cf222e' },
  { key: 'bans', label: 'Bans', color: '#6639ba' },
] as const;

export function renderChart(counts: HourlyCounts): SafeHtml {
  const width = 840;
  const height = 200;
  const top = 10;
  const plot = height - 40;
  const max = Math.max(1, ...counts.signIns, ...counts.failures, ...counts.bans);
  const step = width / CHART_HOURS;
  const barWidth = step / 3;
  const bars = SERIES.map((s, si) =>
    counts[s.key].map((n, i) => {
      if (n === 0) return '';
      const h = (n / max) * plot;
      return html`<rect class="bar-${s.key}" data-hour="${i}" data-count="${n}" x="${(i * step + si * barWidth).toFixed(2)}" y="${(top + plot - h).toFixed(2)}" width="${barWidth.toFixed(2)}" height="${h.toFixed(2)}" fill="${s.color}"><title>${s.label} ${counts.hours[i]!.toISOString().slice(0, 13)}:00 UTC: ${n}</title></rect>`;
    }),
  );
  const days = counts.hours.map((h, i) => (h.getUTCHours() === 0 ? html`<text x="${(i * step).toFixed(2)}" y="${height - 12}" font-size="11" fill="#57606a">${h.toISOString().slice(5, 10)}</text>` : ''));
  const last = CHART_HOURS - 1;
  const summary = `Last 7 days, per hour. Latest hour: ${counts.signIns[last]} sign-ins, ${counts.failures[last]} failures, ${counts.bans[last]} bans. Highest hourly count: ${max}.`;
  return html`<figure><svg class="chart" id="audit-chart" role="img" aria-labelledby="chart-title" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg"
 data-latest-signins="${counts.signIns[last]!}" data-latest-failures="${counts.failures[last]!}" data-latest-bans="${counts.bans[last]!}">
<title id="chart-title">${summary}</title>
<line x1="0" y1="${top + plot}" x2="${width}" y2="${top + plot}" stroke="#57606a"/>
${bars}${days}
</svg><figcaption>${SERIES.map((s) => html`<span class="legend"><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="${s.color}"/></svg> ${s.label}</span> `)}<br><span class="muted">${summary}</span></figcaption></figure>`;
}
