// The canonical form of a request path, the only form access rules are matched on: percent-decoded exactly once,
// empty and `.` segments dropped, `..` resolved. Paths whose meaning depends on who parses them are refused
// (null): `;` parameters, encoded `/` or `\`, backslashes, NUL and other control characters, `#`/`?` smuggled in
// encoded form, malformed escapes, anything still encoded after one decode, segments ending in `.` or space
// (Windows/IIS and some apps drop them) and non-ASCII that case-folds to ASCII (`ı`, `ſ`, `K`) (security catalogue
// H.79; Pomerium CVE-2023-33189, oauth2-proxy GHSA-pxq7-h93f-9jrg).

export const MAX_PATH_LENGTH = 4096;

/** Visible ASCII only, no `;`, `\`, `#` or `?`, and `%` only as the start of a two-digit hex escape. */
const RAW_OK = /^\/(?:[\x21\x22\x24\x26-\x3a\x3c-\x3e\x40-\x5b\x5d-\x7e]|%[0-9A-Fa-f]{2})*$/;
/** Escapes that decode to a separator, a NUL or another escape: the two sides would see different paths. */
const ENCODED_TRICK = /%(?:2f|5c|00|25)/i;
/** After the one decode: control characters, `\`, `;`, `%` (double encoding), `?` and `#` never belong in a path. */
const DECODED_BAD = /[\u0000-\u001f\u007f-\u009f\\;%?#]/;
/** Nothing to decode or resolve: no escape, no `.` segment, no empty segment. */
const ALREADY_CANONICAL = /^(?:\/[\x21\x22\x24\x26-\x2e\x30-\x3a\x3c-\x3e\x40-\x5b\x5d-\x7e]+)*\/?$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;
/** A segment other than `.`/`..` ending in dots or spaces: `/admin.`, `/admin..`, `/admin%20` mean `/admin` to some. */
const TRAILING_DOT_OR_SPACE = /(?:^|\/)(?!\.\.?(?:\/|$))[^/]*[. ](?:\/|$)/;
const NON_ASCII = /[^\x00-\x7f]/gu;
const ASCII = /[\x00-\x7f]/;

/** True when a case-insensitive app could read the path as another, ASCII one (`/adm\u0131n` as `/admin`). */
function spellsAnotherPath(path: string): boolean {
  if (TRAILING_DOT_OR_SPACE.test(path)) return true;
  for (const [ch] of path.matchAll(NON_ASCII)) {
    if (ASCII.test(ch.toLowerCase() + ch.toUpperCase() + ch.normalize('NFKC'))) return true;
  }
  return false;
}

/**
 * Returns the canonical path (starting with `/`, no trailing slash except for the root), or null when the raw
 * path (as sent on the request line, without query) is refused.
 */
export function canonicalizePath(raw: string): string | null {
  if (raw.length === 0 || raw.length > MAX_PATH_LENGTH) return null;
  if (ALREADY_CANONICAL.test(raw) && !raw.includes('//') && !DOT_SEGMENT.test(raw)) {
    if (TRAILING_DOT_OR_SPACE.test(raw)) return null;
    return raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw;
  }
  if (!RAW_OK.test(raw) || ENCODED_TRICK.test(raw)) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null; // an escape that is not UTF-8
  }
  if (DECODED_BAD.test(decoded) || spellsAnotherPath(decoded)) return null;
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      // Climbing above the root is how traversal payloads look; nginx refuses such requests too.
      if (segments.length === 0) return null;
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  return `/${segments.join('/')}`;
}
