import { isIP } from 'node:net';
import { expandV6 } from '../platform/http/networks.ts';

/**
 * T3/T4: an address is personal data for many customers. Views for staff without
 * `customers.read_unmasked` show only the network: 203.0.113.x, 2001:db8:1:2:*.
 */
export function maskIp(ip: string | null): string | null {
  if (!ip) return ip;
  if (isIP(ip) === 4) return `${ip.split('.').slice(0, 3).join('.')}.x`;
  if (isIP(ip) === 6) return `${expandV6(ip).slice(0, 4).join(':')}:*`;
  return '***';
}
