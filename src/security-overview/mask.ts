import { isIP } from 'node:net';
import { maskIp } from '../security-events/ip-mask.ts';

/**
 * T3/T4: a network or address as a role without `customers.read_unmasked` may see it:
 * 203.0.113.0/24 → 203.0.x.x, an address → its masked form (203.0.113.x).
 */
export function maskSource(value: string, unmasked: boolean): string {
  if (unmasked) return value;
  const [addr = '', bits] = value.split('/');
  if (bits === undefined) return maskIp(addr) ?? '***';
  if (isIP(addr) === 4) return `${addr.split('.').slice(0, 2).join('.')}.x.x`;
  if (isIP(addr) === 6) return `${addr.split(':').slice(0, 2).join(':')}:*`;
  return '***';
}
