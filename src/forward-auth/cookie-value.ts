// One cookie's value out of a Cookie header without parsing the rest (the hot path reads only sso_session).
// The first occurrence wins, as in the `cookie` package; oversized headers are refused outright.

export const MAX_COOKIE_HEADER = 16_384;

export function findCookie(header: string, name: string): string | null {
  if (header.length > MAX_COOKIE_HEADER) return null;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
      return header.slice(eq + 1, end).trim();
    }
    start = end + 1;
  }
  return null;
}
