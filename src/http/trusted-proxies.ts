// GATEWAY_TRUSTED_PROXIES read the way Express' proxy-addr reads it (addresses, CIDRs, netmasks, the names
// loopback/linklocal/uniquelocal), so the start can refuse an entry proxy-addr would misread and a list that
// trusts every client (which would let anyone choose their own address and scheme through X-Forwarded-*).

import { isIP } from 'node:net';

/** The problems with a trusted-proxy list, one message per bad entry; empty when the list is usable. */
export function trustedProxyProblems(entries: readonly string[], raw: string): string[] {
  const problems: string[] = [];
  const ranges: ProxyRange[] = [];
  let allValid = true;
  for (const p of entries) {
    // Trusting everyone lets any client choose its own IP and scheme (X-Forwarded-For / -Proto), however spelt.
    const range = ['true', '*', '0/0'].includes(p.toLowerCase()) ? parseProxyRange('::/0') : parseProxyRange(p);
    if (range === null) problems.push(`GATEWAY_TRUSTED_PROXIES: "${p}" is not an IP address, a CIDR or loopback/linklocal/uniquelocal`);
    else ranges.push(...range);
    allValid &&= range !== null;
  }
  if (allValid && (covers(ranges, 4) || covers(ranges, 6))) {
    problems.push(`GATEWAY_TRUSTED_PROXIES: "${raw}" would trust every client; list your proxies' addresses or CIDRs`);
  }
  return problems;
}

/** One trusted range as Express' proxy-addr reads it, as an inclusive interval of addresses of one family. */
interface ProxyRange {
  family: 4 | 6;
  start: bigint;
  end: bigint;
}

const PROXY_NAMES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};
const MAPPED_PREFIX = 0xffffn << 32n;

function addressBits(ip: string): { family: 4 | 6; value: bigint } | null {
  const family = isIP(ip);
  if (family === 4) return { family: 4, value: ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  if (family !== 6) return null;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  let text = ip;
  if (dotted) {
    const v4 = addressBits(dotted[2]!)!.value;
    text = `${dotted[1]}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** Parses one GATEWAY_TRUSTED_PROXIES entry the way proxy-addr does (address, CIDR, netmask, name); null if invalid. */
function parseProxyRange(entry: string): ProxyRange[] | null {
  const named = PROXY_NAMES[entry.toLowerCase()];
  if (named) return named.flatMap((cidr) => parseProxyRange(cidr)!);
  const slash = entry.lastIndexOf('/');
  const address = addressBits(slash === -1 ? entry : entry.slice(0, slash));
  if (address === null) return null;
  let family = address.family;
  let value = address.value;
  const width = family === 4 ? 32 : 128;
  let prefix = width;
  if (slash !== -1) {
    const suffix = entry.slice(slash + 1);
    if (/^\d{1,3}$/.test(suffix)) prefix = Number(suffix);
    else {
      const mask = family === 4 ? addressBits(suffix) : null;
      if (mask === null || mask.family !== 4) return null;
      const ones = mask.value.toString(2).padStart(32, '0');
      if (!/^1*0*$/.test(ones)) return null;
      prefix = ones.indexOf('0') === -1 ? 32 : ones.indexOf('0');
    }
    if (prefix > width) return null;
  }
  // proxy-addr compares an IPv4-mapped range with plain IPv4 clients.
  if (family === 6 && prefix >= 96 && value >> 32n === 0xffffn) {
    family = 4;
    value &= 0xffffffffn;
    prefix -= 96;
  }
  const bits = BigInt(family === 4 ? 32 : 128);
  const hostBits = bits - BigInt(prefix);
  const start = (value >> hostBits) << hostBits;
  const ranges: ProxyRange[] = [{ family, start, end: start + (1n << hostBits) - 1n }];
  // An IPv6 range that overlaps ::ffff:0:0/96 also trusts those IPv4 clients.
  const mappedEnd = MAPPED_PREFIX + 0xffffffffn;
  if (family === 6 && start <= mappedEnd && ranges[0]!.end >= MAPPED_PREFIX) {
    const lo = start > MAPPED_PREFIX ? start : MAPPED_PREFIX;
    const hi = ranges[0]!.end < mappedEnd ? ranges[0]!.end : mappedEnd;
    ranges.push({ family: 4, start: lo - MAPPED_PREFIX, end: hi - MAPPED_PREFIX });
  }
  return ranges;
}

/** True when the ranges together contain every address of the family. */
function covers(ranges: readonly ProxyRange[], family: 4 | 6): boolean {
  const last = (1n << BigInt(family === 4 ? 32 : 128)) - 1n;
  const sorted = ranges.filter((r) => r.family === family).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let next = 0n;
  for (const r of sorted) {
    if (r.start > next) return false;
    if (r.end + 1n > next) next = r.end + 1n;
    if (next > last) return true;
  }
  return false;
}
