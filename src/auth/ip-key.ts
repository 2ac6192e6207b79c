// The bucket a client address is counted in by regulation: one per IPv4 address, one per IPv6 /64 (what one
// subscriber gets), whatever the spelling: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, any case, dotted or
// hex) counts as its IPv4 address, a port (`a.b.c.d:p`, `[v6]:p`) and a zone id (`%eth0`) are dropped, and
// anything that is not an address at all shares one bucket, so odd spellings never open new ones.
import { isIPv4, isIPv6 } from 'node:net';

export const UNPARSEABLE_IP_KEY = 'unparseable';

/** Groups an address the way attackers get them: IPv4 as is, IPv6 by its /64 prefix. */
export function ipKey(ip: string | undefined): string {
  const text = stripPort((ip ?? '').trim());
  if (text === '') return 'unknown';
  if (isIPv4(text)) return text;
  const v6 = text.replace(/%[^%]*$/, '');
  if (!isIPv6(v6)) return UNPARSEABLE_IP_KEY;
  const groups = ipv6Groups(v6);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    // IPv4-mapped (RFC 4291 §2.5.5.2): the same host as its IPv4 address.
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** `a.b.c.d:port` → `a.b.c.d`; `[v6]` and `[v6]:port` → `v6`; anything else unchanged. */
function stripPort(text: string): string {
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  if (v4) return v4[1]!;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  return bracketed ? bracketed[1]! : text;
}

/** The eight 16-bit groups of a valid IPv6 address; the WHATWG URL parser gives its canonical spelling. */
function ipv6Groups(address: string): number[] {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}
