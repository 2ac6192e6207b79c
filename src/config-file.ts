// Reading the JSON files configuration points at (access rules, deployment identity providers): one place that
// reports a missing file by its error code and broken JSON by line and column only (V8's message may quote the
// text, and these files may hold secrets), and one deep freeze for what is loaded once at start.
import { readFileSync } from 'node:fs';

/** The parsed JSON, or the one problem that stops it from being read. */
export function readJsonFile(file: string): { json: unknown } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { problem: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  try {
    return { json: JSON.parse(text) };
  } catch (err) {
    return { problem: describeJsonError(text, err) };
  }
}

function describeJsonError(text: string, err: unknown): string {
  const position = /at position (\d+)/.exec(err instanceof Error ? err.message : '');
  if (!position) return 'not valid JSON';
  const before = text.slice(0, Number(position[1])).split('\n');
  return `not valid JSON at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
