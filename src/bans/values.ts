import { isIP } from 'node:net';
import { expandV6, plainAddress } from '../platform/http/networks.ts';
import { networkOf } from '../platform/security/event-stream.ts';
import type { BanScope } from './tables.ts';

/** The scopes an operator names (`ip` is what an address bans as without a scope). */
export const operatorScopes = ['network', 'account', 'card', 'session'] as const;
export type OperatorScope = (typeof operatorScopes)[number];

/** An address bans as `ip`; a /24 (IPv4) or /64 (IPv6) as `network`, in the form the enforcement compares. */
export function parseBanTarget(text: string): { scope: BanScope; value: string } | null {
  const t = text.trim().toLowerCase();
  if (isIP(t)) return { scope: 'ip', value: plainAddress(t) };
  const [addr = '', bits] = t.split('/');
  if (isIP(addr) === 4 && bits === '24') return { scope: 'network', value: networkOf(addr)! };
  if (isIP(addr) === 6 && bits === '64') return { scope: 'network', value: `${expandV6(addr).slice(0, 4).join(':')}::/64` };
  return null;
}

const cardFingerprint = /^[A-Za-z0-9_-]{8,64}$/;
const sessionKey = /^(?:c:\d{1,12}|g:[A-Za-z0-9_+/=-]{8,120})$/;
const signInName = /^[^\s@]{1,64}@[^\s@]{1,255}$|^[\w.+-]{1,100}$/;

/**
 * What an operator typed, as bans of that scope store it: a network for an address (its /24 or /64) or a CIDR;
 * an account's sign-in name through `accountValue` (the blind index: the name is never stored); a provider card
 * fingerprint; a cart owner key. Null when it does not fit the scope.
 */
export function parseScopedValue(scope: OperatorScope | 'ip', text: string, accountValue: (name: string) => string): { scope: BanScope; value: string } | null {
  const t = text.trim();
  if (scope === 'ip') return isIP(t) ? { scope: 'ip', value: plainAddress(t) } : null;
  if (scope === 'network') {
    if (isIP(t)) return { scope: 'network', value: networkOf(plainAddress(t))! };
    const target = parseBanTarget(t);
    return target?.scope === 'network' ? target : null;
  }
  if (scope === 'account') return signInName.test(t) ? { scope, value: accountValue(t) } : null;
  if (scope === 'card') return cardFingerprint.test(t) ? { scope, value: t } : null;
  return sessionKey.test(t) ? { scope, value: t } : null;
}

/**
 * T3: values beyond the network identify a person or a card; lists show a prefix only (the ban's reference
 * identifies it for removal). Addresses are shown as they are: the operator needs them to lift a ban.
 */
export function maskBanValue(scope: BanScope, value: string): string {
  if (scope === 'ip' || scope === 'network') return value;
  if (scope === 'session') return value.startsWith('c:') ? 'c:…' : `${value.slice(0, 6)}…`;
  return `${value.slice(0, scope === 'card' ? 4 : 6)}…`;
}

/** The value a ban of this scope takes for an address: the address itself, or its /24 (IPv4) or /64 (IPv6). */
export function banValue(scope: BanScope, ip: string): string | null {
  return scope === 'ip' ? plainAddress(ip) : networkOf(ip);
}
