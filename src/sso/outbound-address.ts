// Which addresses the gateway may connect to for an identity provider. Link-local, cloud-metadata and
// unspecified/multicast addresses never, in any spelling (IPv4-mapped, -compatible, NAT64 and 6to4 IPv6 are
// judged by the IPv4 address inside); private and loopback ranges only unless GATEWAY_OUTBOUND_DENY_PRIVATE.
export type AddressClass = 'public' | 'private' | 'loopback' | 'forbidden';

/** Names of cloud instance-metadata services (lower case, no trailing dot). */
const METADATA_NAMES = new Set([
  'metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal',
  'metadata.azure.internal', 'metadata.tencentyun.com', 'metadata.platformequinix.com',
]);

function parseIpv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** Eight 16-bit groups, or null when `text` is not an IPv6 address (brackets and a zone id are allowed). */
function parseIpv6(text: string): number[] | null {
  let t = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '').toLowerCase();
  let tail: number[] = [];
  const v4 = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(t);
  if (v4) {
    const n = parseIpv4(v4[2]!);
    if (n === null) return null;
    tail = [n >>> 16, n & 0xffff];
    t = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const fill = 8 - head.length - rest.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  return [...head.map((g) => parseInt(g, 16)), ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest.map((g) => parseInt(g, 16)), ...tail];
}

function classifyIpv4(n: number): AddressClass {
  const a = n >>> 24;
  const b = (n >>> 16) & 0xff;
  if (a === 0 || a >= 224) return 'forbidden'; // "this network" (0.0.0.0 reaches localhost), multicast, reserved
  if (a === 169 && b === 254) return 'forbidden'; // link-local, 169.254.169.254 metadata
  if (n === parseIpv4('100.100.100.200')) return 'forbidden'; // Alibaba Cloud metadata
  if (n === parseIpv4('192.0.0.192')) return 'forbidden'; // Oracle Cloud metadata (classic)
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b < 128)) return 'private';
  if (a === 198 && (b === 18 || b === 19)) return 'private'; // benchmarking range, used inside networks
  return 'public';
}

function classifyIpv6(g: number[]): AddressClass {
  const embedded = (hi: number, lo: number) => classifyIpv4(((hi << 16) | lo) >>> 0);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return 'forbidden'; // ::
  if (zeros(0, 7) && g[7] === 1) return 'loopback'; // ::1
  if (zeros(0, 5) && g[5] === 0xffff) return embedded(g[6]!, g[7]!); // ::ffff:a.b.c.d (mapped)
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return embedded(g[6]!, g[7]!); // ::ffff:0:a.b.c.d (SIIT)
  if (zeros(0, 6)) return embedded(g[6]!, g[7]!); // ::a.b.c.d (compatible)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embedded(g[6]!, g[7]!); // NAT64 well-known prefix
  if (g[0] === 0x2002) return embedded(g[1]!, g[2]!); // 6to4
  if ((g[0]! & 0xffc0) === 0xfe80) return 'forbidden'; // fe80::/10 link-local
  if ((g[0]! & 0xff00) === 0xff00) return 'forbidden'; // multicast
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && zeros(2, 7) && g[7] === 0x254) return 'forbidden'; // AWS metadata
  if ((g[0]! & 0xfe00) === 0xfc00 || (g[0]! & 0xffc0) === 0xfec0) return 'private'; // unique local, site-local
  return 'public';
}

/** The class of an IP address literal, or null when `text` is not one (a name). */
export function classifyIp(text: string): AddressClass | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return classifyIpv4(v4);
  const v6 = text.includes(':') ? parseIpv6(text) : null;
  return v6 ? classifyIpv6(v6) : null;
}

/** The class of a URL hostname as WHATWG URL serializes it (IPv4 normalized, IPv6 in brackets, or a name). */
export function classifyHost(hostname: string): AddressClass | null {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_NAMES.has(h)) return 'forbidden';
  if (h === 'localhost' || h.endsWith('.localhost')) return 'loopback';
  return classifyIp(h);
}

/** Why the gateway refuses to connect to an address of this class, or null when it may. */
export function refusalFor(cls: AddressClass | null, denyPrivate: boolean): string | null {
  if (cls === 'forbidden') return 'a link-local, cloud-metadata or reserved address';
  if (denyPrivate && (cls === 'private' || cls === 'loopback')) return 'a private or loopback address (GATEWAY_OUTBOUND_DENY_PRIVATE)';
  return null;
}
