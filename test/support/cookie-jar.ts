// A minimal cookie jar for supertest/fetch responses: remembers name=value (and attributes for assertions).
import { parseSetCookie, type SetCookie } from 'cookie';

export class CookieJar {
  readonly cookies = new Map<string, SetCookie>();

  /** Stores every Set-Cookie of a response; a Max-Age=0 or empty cookie removes it. */
  store(setCookie: string | string[] | undefined): void {
    for (const line of setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const parsed = parseSetCookie(line);
      if (parsed.value === '' || parsed.maxAge === 0) this.cookies.delete(parsed.name);
      else this.cookies.set(parsed.name, parsed);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  /** A Cookie header with every stored cookie (path scoping is the caller's business). */
  header(...names: string[]): string {
    const entries = [...this.cookies.values()].filter((c) => names.length === 0 || names.includes(c.name));
    return entries.map((c) => `${c.name}=${c.value}`).join('; ');
  }
}
