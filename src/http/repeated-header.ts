// Node keeps only the first of two `Authorization` headers and drops the rest, so a request carrying two
// credentials would be judged on whichever came first: counted on the raw header list and refused instead.

/** True when the raw header list (name, value, name, value, …) names `authorization` more than once. */
export function hasRepeatedAuthorization(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}
