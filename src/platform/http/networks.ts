// Client addresses and networks, one definition for throttles, bans, allow-lists and limits.
import { BlockList, isIP } from 'node:net';

/** An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) as the IPv4 address it is; IPv6 in lower case. */
export function plainAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip.toLowerCase();
}

/** The eight groups of an IPv6 address, `::` expanded, leading zeros dropped. */
export function expandV6(ip: string): string[] {
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return groups.map((g) => g.replace(/^0+(?=.)/, ''));
}

/**
 * The address an attacker pays for: an IPv4 address, or an IPv6 /64 (one subscriber gets a whole
 * /64, so counting single IPv6 addresses would be no limit at all).
 */
export function ipBucket(ip: string): string {
  const address = plainAddress(ip);
  if (isIP(address) !== 6) return address;
  return `${expandV6(address).slice(0, 4).join(':')}::/64`;
}

/** An IP address or a CIDR range, as the allow-lists and exemptions take them. */
export function validIpOrCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

/** Whether an address is one of `entries` (addresses or CIDR ranges, IPv4 and IPv6; IPv4-mapped counts as IPv4). */
export function addressMatcher(entries: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return (ip) => {
    const address = plainAddress(ip);
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}
