import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../platform/config.ts';

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is checked as 192.0.2.1. */
function plainAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip;
}

/**
 * T4: optional network restrictions on the admin console. `allowed(req)` is false when the client
 * IP (req.ip, which honours TRUST_PROXY) is outside ADMIN_IP_ALLOWLIST, or when ADMIN_HOST is set and
 * the request came for another host name.
 */
export function adminAccessPolicy(config: Pick<Config, 'adminIpAllowlist' | 'adminHost'>) {
  const list = new BlockList();
  for (const entry of config.adminIpAllowlist) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  const restrictIp = config.adminIpAllowlist.length > 0;
  const host = config.adminHost?.toLowerCase();
  return {
    ipAllowed(ip: string): boolean {
      if (!restrictIp) return true;
      const address = plainAddress(ip);
      const family = isIP(address);
      if (!family) return false;
      return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
    hostAllowed(req: FastifyRequest): boolean {
      if (!host) return true;
      // Fastify 5: req.host is the Host header (or X-Forwarded-Host with TRUST_PROXY), with its port.
      const requested = (req.host ?? '').toLowerCase();
      return requested === host || (!host.includes(':') && requested.replace(/:\d+$/, '') === host);
    },
  };
}
export type AdminAccessPolicy = ReturnType<typeof adminAccessPolicy>;
