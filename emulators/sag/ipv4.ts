/** IPv4 addresses and CIDR blocks as unsigned 32-bit integers (client IP allocation of SAG app instances). */

/** A parsed CIDR block. `first`/`last` are the usable host addresses (network and broadcast excluded). */
export interface Cidr {
  text: string;
  network: number;
  prefix: number;
  broadcast: number;
  first: number;
  last: number;
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted quad (no leading zeros, each part 0–255) to an unsigned integer, or undefined. */
export function parseIpv4(text: string): number | undefined {
  const m = IPV4_RE.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i] as string;
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/** Formats an unsigned integer as a dotted quad. */
export function formatIpv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Parses `a.b.c.d/n` with 8 ≤ n ≤ 30 and no host bits set, or returns undefined. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const base = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (base === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix < 8 || prefix > 30) return undefined;
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined;
  return { text, network: base, prefix, broadcast: base + size - 1, first: base + 1, last: base + size - 2 };
}

const PRIVATE_BLOCKS: ReadonlyArray<readonly [number, number]> = [
  [parseIpv4('10.0.0.0') as number, 8],
  [parseIpv4('172.16.0.0') as number, 12],
  [parseIpv4('192.168.0.0') as number, 16],
];

/** True if the whole block lies inside 10/8, 172.16/12 or 192.168/16 (RFC 1918). */
export function isPrivateCidr(cidr: Cidr): boolean {
  return PRIVATE_BLOCKS.some(([net, prefix]) => {
    const size = 2 ** (32 - prefix);
    return cidr.prefix >= prefix && cidr.network >= net && cidr.broadcast < net + size;
  });
}

/** True if `ip` is a usable host address of the block. */
export function isHostOf(cidr: Cidr, ip: number): boolean {
  return ip >= cidr.first && ip <= cidr.last;
}

/** True if two blocks share any address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.network <= b.broadcast && b.network <= a.broadcast;
}
