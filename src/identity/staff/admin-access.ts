import type { FastifyRequest } from 'fastify';
import type { Config } from '../../platform/config.ts';
import { addressMatcher } from '../../platform/http/networks.ts';

/**
 * T4: optional network restrictions on the admin console. `allowed(req)` is false when the client
 * IP (req.ip, which honours TRUST_PROXY) is outside ADMIN_IP_ALLOWLIST, or when ADMIN_HOST is set and
 * the request came for another host name.
 */
export function adminAccessPolicy(config: Pick<Config, 'adminIpAllowlist' | 'adminHost'>) {
  const allowedAddress = addressMatcher(config.adminIpAllowlist);
  const restrictIp = config.adminIpAllowlist.length > 0;
  const host = config.adminHost?.toLowerCase();
  return {
    ipAllowed(ip: string): boolean {
      if (!restrictIp) return true;
      return allowedAddress(ip);
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
