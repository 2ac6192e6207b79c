// RFC 3339 UTC timestamps as protojson writes them: no fractional part when it is zero.
export function rfc3339(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
