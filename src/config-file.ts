// Reading the JSON files configuration points at (access rules, deployment identity providers): one place that
// reports a missing file by its error code and broken JSON by line and column only (V8's message may quote the
// text, and these files may hold secrets), where in the text a value sits (so a schema problem can name its
// line and column too), and one deep freeze for what is loaded once at start.
import { readFileSync } from 'node:fs';

/** The parsed JSON and its text, or the one problem that stops it from being read. */
export function readJsonFile(file: string): { json: unknown; text: string } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { problem: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  try {
    return { json: JSON.parse(text), text };
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

export interface TextPosition {
  line: number;
  column: number;
}

/**
 * Where the value at `path` (object keys and array indexes, as zod reports them) starts in valid JSON `text`;
 * for a path that is not there (a missing key), where its nearest existing parent starts. 1-based.
 */
export function locateJsonPath(text: string, path: readonly PropertyKey[]): TextPosition {
  const starts = jsonValueStarts(text);
  for (let depth = path.length; depth >= 0; depth--) {
    const offset = starts.get(pathKey(path.slice(0, depth)));
    if (offset !== undefined) return positionOf(text, offset);
  }
  return { line: 1, column: 1 };
}

const pathKey = (path: readonly PropertyKey[]) => path.map((p) => `\u0000${String(p)}`).join('');

function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** The start offset of every value in `text` (already known to parse), by path key. */
function jsonValueStarts(text: string): Map<string, number> {
  const starts = new Map<string, number>();
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const readString = (): string => {
    const from = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(from, i)) as string;
  };
  const readValue = (key: string): void => {
    skipSpace();
    starts.set(key, i);
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      skipSpace();
      if (text[i] === close) {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        skipSpace();
        let name = String(index);
        if (c === '{') {
          name = readString();
          skipSpace();
          i++; // the colon
        }
        readValue(`${key}\u0000${name}`);
        skipSpace();
        if (text[i++] === close) return;
      }
    }
    if (c === '"') readString();
    else while (i < text.length && !',]} \t\n\r'.includes(text[i]!)) i++;
  };
  readValue('');
  return starts;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
