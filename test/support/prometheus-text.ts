// A strict parser of the Prometheus text exposition format 0.0.4 (what a scraper reads), for the metrics tests:
// every sample belongs to a family declared by `# TYPE` before it, families are contiguous, series are unique,
// label values are escaped as the format says, and each histogram's buckets are cumulative and end in +Inf
// equal to its _count. Anything else throws, naming the line.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string | null;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export class PrometheusTextError extends Error {}

/** As Prometheus reads values (Go's strconv.ParseFloat): decimals, and NaN/Inf in any letter case. */
function parseValue(text: string, line: number): number {
  if (/^nan$/i.test(text)) return Number.NaN;
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new PrometheusTextError(`line ${line}: not a number: ${text}`);
  return Number(text);
}

/** `{a="x",b="y\"z"}` starting at `text[0]`; returns the labels and where the value part starts. */
function parseLabels(text: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  const fail = (why: string): never => {
    throw new PrometheusTextError(`line ${line}: ${why}`);
  };
  for (;;) {
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('label without "="');
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(`bad label name "${name}"`);
    if (name in labels) fail(`label "${name}" given twice`);
    if (text[eq + 1] !== '"') fail(`label "${name}" value is not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) fail('unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else fail(`bad escape \\${next ?? ''} in a label value`);
        j += 2;
      } else {
        value += c;
        j += 1;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') fail('labels must be separated by ","');
  }
}

function familyOf(name: string, families: Map<string, MetricFamily>): MetricFamily | null {
  for (const [familyName, family] of families) {
    for (const suffix of SUFFIXES[family.type]) if (name === familyName + suffix) return family;
  }
  return null;
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { les: number[]; counts: number[]; count: number | null }>();
  const keyOf = (labels: Record<string, string>) =>
    JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort(([a], [b]) => a.localeCompare(b)));
  for (const s of family.samples) {
    const key = keyOf(s.labels);
    const entry = series.get(key) ?? { les: [], counts: [], count: null };
    series.set(key, entry);
    if (s.name === `${family.name}_bucket`) {
      const le = s.labels.le;
      if (le === undefined) throw new PrometheusTextError(`${family.name}: a bucket without "le"`);
      entry.les.push(parseValue(le, 0));
      entry.counts.push(s.value);
    } else if (s.name === `${family.name}_count`) entry.count = s.value;
  }
  for (const [key, { les, counts, count }] of series) {
    for (let i = 1; i < les.length; i++) {
      if (!(les[i]! > les[i - 1]!)) throw new PrometheusTextError(`${family.name}${key}: buckets out of order`);
      if (counts[i]! < counts[i - 1]!) throw new PrometheusTextError(`${family.name}${key}: buckets are not cumulative`);
    }
    if (les.at(-1) !== Number.POSITIVE_INFINITY) throw new PrometheusTextError(`${family.name}${key}: no +Inf bucket`);
    if (count === null || counts.at(-1) !== count) throw new PrometheusTextError(`${family.name}${key}: +Inf bucket differs from _count`);
  }
}

/** Parses a whole scrape; throws PrometheusTextError at the first thing a strict scraper would refuse. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new PrometheusTextError('the exposition must end with a newline');
  const families = new Map<string, MetricFamily>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  let current: MetricFamily | null = null;
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(raw);
      if (meta === null) return; // an ordinary comment
      const [, kind, name = '', rest = ''] = meta;
      if (!METRIC_NAME.test(name)) throw new PrometheusTextError(`line ${line}: bad metric name "${name}"`);
      if (kind === 'HELP') {
        if (helps.has(name)) throw new PrometheusTextError(`line ${line}: second HELP for ${name}`);
        helps.set(name, rest);
        const family = families.get(name);
        if (family) family.help = rest;
        return;
      }
      if (!TYPES.has(rest as MetricType)) throw new PrometheusTextError(`line ${line}: unknown type "${rest}"`);
      if (families.has(name)) throw new PrometheusTextError(`line ${line}: second TYPE for ${name}`);
      current = { name, type: rest as MetricType, help: helps.get(name) ?? null, samples: [] };
      families.set(name, current);
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (nameMatch === null) throw new PrometheusTextError(`line ${line}: not a sample: ${raw}`);
    const name = nameMatch[0];
    let rest = raw.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, line));
    const parts = rest.trim().split(/[ \t]+/);
    if (!/^[ \t]/.test(rest) || parts.length < 1 || parts.length > 2) throw new PrometheusTextError(`line ${line}: expected "name{labels} value [timestamp]"`);
    const value = parseValue(parts[0]!, line);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new PrometheusTextError(`line ${line}: bad timestamp`);
    const family = familyOf(name, families);
    if (family === null) throw new PrometheusTextError(`line ${line}: ${name} has no # TYPE before it`);
    if (family !== current) throw new PrometheusTextError(`line ${line}: ${name} comes after another family started`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
    if (seen.has(series)) throw new PrometheusTextError(`line ${line}: series ${series} given twice`);
    seen.add(series);
    family.samples.push({ name, labels, value });
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The value of the series with exactly these labels, or undefined when the scrape has no such series. */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name !== name) continue;
      const keys = Object.keys(labels);
      if (keys.length === Object.keys(s.labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return undefined;
}
