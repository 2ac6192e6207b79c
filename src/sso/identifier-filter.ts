// The admin's identifierFilter: a Go/RE2 regular expression (re2js: same syntax as Memos, linear time, so no
// pattern can stall the event loop). Memos' semantics: unanchored ("find"), case-sensitive unless the pattern
// says (?i), tested against exactly the identifier that is stored and linked. A stored pattern that no longer
// compiles denies everyone (fail closed).
import { RE2JS } from 're2js';

export const MAX_FILTER_LENGTH = 256;
const CACHE_LIMIT = 256;
const compiled = new Map<string, RE2JS>();

function compile(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** Why `pattern` cannot be saved, or null when it can. */
export function findFilterProblem(pattern: string): string | null {
  if (pattern.length > MAX_FILTER_LENGTH) return `must be at most ${MAX_FILTER_LENGTH} characters`;
  try {
    compile(pattern);
    return null;
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'invalid pattern';
    return `not a valid RE2 regular expression (${detail.slice(0, 200)})`;
  }
}

/** True when the filter is empty or matches somewhere in `identifier`. */
export function isIdentifierAllowed(pattern: string, identifier: string): boolean {
  if (pattern === '') return true;
  try {
    return compile(pattern).test(identifier);
  } catch {
    return false;
  }
}
