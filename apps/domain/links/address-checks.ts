// Which addresses the server refuses to connect to when it fetches a URL someone else gave:
// loopback, private, link-local, metadata, reserved, and the IPv6 forms that embed one of those.
import { isIP } from 'node:net';

type Prefix = { bytes: number[]; bits: number };

function parseIPv4(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** The 16 bytes of an address that `isIP` already accepted as IPv6 (zone removed). */
function parseIPv6(ip: string): number[] {
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const [a = 0, b = 0, c = 0, d = 0] = parseIPv4(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

function prefix(cidr: string): Prefix {
  const [address = '', bits = ''] = cidr.split('/');
  return { bytes: isIP(address) === 4 ? parseIPv4(address) : parseIPv6(address), bits: Number(bits) };
}

function within(bytes: number[], range: Prefix): boolean {
  for (let bit = 0; bit < range.bits; bit += 8) {
    const size = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - size)) & 0xff;
    const index = bit / 8;
    if (((bytes[index] ?? 0) & mask) !== ((range.bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

// Not reachable on the public internet, or reaching the host itself, its network or its cloud provider.
const FORBIDDEN_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
].map(prefix);

// These IPv6 forms carry an IPv4 address that the network (NAT64, 6to4, the kernel for mapped
// addresses) ends up connecting to, so the embedded address is what must be checked.
const EMBEDDED_V4: Array<{ range: Prefix; offset: number }> = [
  { range: prefix('::ffff:0:0/96'), offset: 12 },
  { range: prefix('::ffff:0:0:0/96'), offset: 12 },
  { range: prefix('64:ff9b::/96'), offset: 12 },
  { range: prefix('2002::/16'), offset: 2 },
];

// Only 2000::/3 is global unicast: everything outside it (::, ::1, fc00::/7 including
// fd00:ec2::254, fe80::/10, ff00::/8, 100::/64...) is refused by that rule alone. These are the
// special blocks inside it.
const GLOBAL_UNICAST_V6 = prefix('2000::/3');
const FORBIDDEN_V6 = [
  '2001::/32', // Teredo: tunnels to an obfuscated IPv4 address
  '2001:2::/48', // benchmarking
  '2001:db8::/32', // documentation
  '3fff::/20', // documentation
].map(prefix);

function forbiddenV4(bytes: number[]): boolean {
  return FORBIDDEN_V4.some((range) => within(bytes, range));
}

function forbiddenV6(bytes: number[]): boolean {
  for (const { range, offset } of EMBEDDED_V4) {
    if (within(bytes, range)) return forbiddenV4(bytes.slice(offset, offset + 4));
  }
  if (!within(bytes, GLOBAL_UNICAST_V6)) return true;
  return FORBIDDEN_V6.some((range) => within(bytes, range));
}

/** Whether Veille refuses to connect to this IP address (loopback, private, link-local, metadata, reserved...). */
export function isForbiddenAddress(ip: string): boolean {
  let text = ip.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  switch (isIP(text)) {
    case 4:
      return forbiddenV4(parseIPv4(text));
    case 6:
      return forbiddenV6(parseIPv6(text));
    default:
      // Not an address we can vouch for.
      return true;
  }
}
