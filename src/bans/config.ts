import { validIpOrCidr } from '../platform/http/networks.ts';
import { z } from 'zod';

const int = (min: number, max: number, dflt: number) => z.coerce.number().int().min(min).max(max).default(dflt);

const envSchema = z.object({
  BAN_MINUTES: int(1, 43_200, 240),
  BAN_MAX_HOURS: int(1, 8760, 168),
  BAN_SCOPE: z.enum(['ip', 'network']).default('ip'),
  BAN_ALLOWLIST: z
    .string()
    .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .refine((l) => l.every(validIpOrCidr), { message: 'must be comma-separated IP addresses or CIDR ranges' })
    .default([]),
  // Behind a reverse proxy without TRUST_PROXY every client is the proxy: loopback and private networks are not banned unless told.
  BAN_ALLOW_LOCAL: z.enum(['0', '1']).default('1'),
  BAN_REDIS_PREFIX: z.string().regex(/^[\w:.-]{1,60}$/).default('omamori:bans:'),
  BAN_REFRESH_MS: int(200, 60_000, 2000),
  DETECT_BRUTE_FORCE_FAILURES: int(0, 1000, 5),
  DETECT_BRUTE_FORCE_WINDOW_SECONDS: int(10, 86_400, 600),
  // T4 vs. lockout: off by default. Five wrong guesses from anyone would otherwise lock a customer or staff member out for
  // hours; the sign-in throttle already answers brute force on one account with growing delays and an owner unlock.
  BAN_ACCOUNTS: z.enum(['0', '1']).default('0'),
  BAN_CARDS: z.enum(['0', '1']).default('1'),
  BAN_SESSIONS: z.enum(['0', '1']).default('1'),
  DETECT_STUFFING_ACCOUNTS: int(0, 1000, 5),
  DETECT_STUFFING_WINDOW_SECONDS: int(10, 86_400, 600),
  DETECT_NOT_FOUND_PATHS: int(0, 10_000, 10),
  DETECT_NOT_FOUND_WINDOW_SECONDS: int(10, 86_400, 60),
  DETECT_SENSITIVE_FILES: int(0, 1000, 4),
  DETECT_SENSITIVE_WINDOW_SECONDS: int(10, 86_400, 300),
  DETECT_BACKDOOR_PROBES: int(0, 1000, 1),
  DETECT_ATTACK_REQUESTS: int(0, 10_000, 5),
  DETECT_ATTACK_WINDOW_SECONDS: int(10, 86_400, 600),
  DETECT_DISTRIBUTED_FAILURES: int(0, 1_000_000, 30),
  DETECT_DISTRIBUTED_NETWORKS: int(1, 100_000, 20),
  DETECT_DISTRIBUTED_WINDOW_SECONDS: int(60, 86_400, 600),
  DETECT_COMMON_PASSWORDS: int(0, 1_000_000, 10),
  DETECT_COMMON_PASSWORDS_WINDOW_SECONDS: int(60, 86_400, 600),
  DETECT_CARD_DECLINES_NETWORK: int(0, 10_000, 5),
  DETECT_CARD_DECLINES_SESSION: int(0, 10_000, 3),
  DETECT_CARD_DECLINES_CARD: int(0, 10_000, 3),
  DETECT_CARD_WINDOW_SECONDS: int(60, 86_400, 3600),
  DETECT_DECLINE_RATIO: z.coerce.number().min(0).max(1).default(0.5),
  DETECT_DECLINE_RATIO_MIN: int(0, 1_000_000, 20),
  DETECT_CSP_PAYMENT_REPORTS: int(0, 1_000_000, 20),
  DETECT_CSP_PAYMENT_WINDOW_SECONDS: int(60, 86_400, 600),
  DETECT_BASELINE_FACTOR: z.coerce.number().min(1).max(1000).default(3),
  DETECT_BASELINE_WEEKS: int(1, 52, 8),
  DETECT_STAFF_NEW_NETWORK: z.enum(['0', '1']).default('1'),
  DETECT_STAFF_HOURS: z.string().regex(/^(?:|\d{1,2}-\d{1,2})$/, { message: 'must be like 8-20 (hours, shop time), or empty for off' }).default(''),
  DETECT_STAFF_TIMEZONE: z.string().default('Asia/Tokyo'),
  DETECT_STAFF_REVEALS: int(0, 100_000, 20),
  DETECT_STAFF_EXPORTS: int(0, 100_000, 5),
  DETECT_STAFF_CHANGES: int(0, 100_000, 10),
  DETECT_STAFF_DENIALS: int(0, 100_000, 5),
  DETECT_STAFF_WINDOW_SECONDS: int(60, 86_400, 600),
});

export const localNetworks = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

export interface Threshold {
  /** 0 turns the detector off. */
  count: number;
  windowSeconds: number;
}

export interface BanConfig {
  banMinutes: number;
  maxHours: number;
  scope: 'ip' | 'network';
  allowlist: string[];
  redisPrefix: string;
  refreshMs: number;
  /** Brute force on one account bans the account (its blind index; a browser the customer signed in with before still gets in). */
  banAccounts: boolean;
  /** Card testing per card bans the card fingerprint (pushed to the provider's block list); per session bans the shopper session. */
  banCards: boolean;
  banSessions: boolean;
  bruteForce: Threshold;
  stuffing: Threshold;
  notFound: Threshold;
  sensitiveFiles: Threshold;
  backdoor: Threshold;
  attacks: Threshold;
  /** Site-wide failed sign-ins in the window, from at least `networks` distinct networks (and above the hour-of-week baseline). */
  distributed: Threshold & { networks: number };
  /** Site-wide failed sign-ins with a password from the common list (and above the baseline). */
  commonPasswords: Threshold;
  /** Card declines and 3-D Secure failures per client address, per checkout session, per card fingerprint. */
  cardTesting: { perNetwork: number; perSession: number; perCard: number; windowSeconds: number };
  /** Site-wide: declines / (declines + payments) above `ratio`, with at least `min` declines (and above the baseline). */
  declineRatio: { ratio: number; min: number; windowSeconds: number };
  /** CSP violation reports from payment pages (cart, checkout, review, payment, order pages) in the window (and above the baseline). */
  cspPaymentPages: Threshold;
  /** Rate detectors fire only above `factor` times the usual volume for that hour of the week (`weeks` of history). */
  baseline: { factor: number; weeks: number };
  staff: {
    /** Alert on a staff sign-in from a network (IPv4 /24, IPv6 /64) not seen for that staff member before. */
    newNetwork: boolean;
    /** Usual hours in the shop's time zone ([from, to), e.g. [8, 20]); a staff sign-in outside them is alerted. null: off. */
    hours: [number, number] | null;
    timezone: string;
    /** Per staff member in the window: PII reveals, exports, script-inventory/settings/payment changes, permission denials. */
    reveals: number;
    exports: number;
    changes: number;
    denials: number;
    windowSeconds: number;
  };
}

/** Reads BAN_* and DETECT_* (README "Detection"); an invalid value stops the start with a clear message. */
export function banConfig(env: NodeJS.ProcessEnv = process.env): BanConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => /^(?:BAN|DETECT)_/.test(k) && v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const e = parsed.data;
  return {
    banMinutes: e.BAN_MINUTES,
    maxHours: e.BAN_MAX_HOURS,
    scope: e.BAN_SCOPE,
    allowlist: [...(e.BAN_ALLOW_LOCAL === '1' ? localNetworks : []), ...e.BAN_ALLOWLIST],
    redisPrefix: e.BAN_REDIS_PREFIX,
    refreshMs: e.BAN_REFRESH_MS,
    banAccounts: e.BAN_ACCOUNTS === '1',
    banCards: e.BAN_CARDS === '1',
    banSessions: e.BAN_SESSIONS === '1',
    bruteForce: { count: e.DETECT_BRUTE_FORCE_FAILURES, windowSeconds: e.DETECT_BRUTE_FORCE_WINDOW_SECONDS },
    stuffing: { count: e.DETECT_STUFFING_ACCOUNTS, windowSeconds: e.DETECT_STUFFING_WINDOW_SECONDS },
    notFound: { count: e.DETECT_NOT_FOUND_PATHS, windowSeconds: e.DETECT_NOT_FOUND_WINDOW_SECONDS },
    sensitiveFiles: { count: e.DETECT_SENSITIVE_FILES, windowSeconds: e.DETECT_SENSITIVE_WINDOW_SECONDS },
    backdoor: { count: e.DETECT_BACKDOOR_PROBES, windowSeconds: e.DETECT_SENSITIVE_WINDOW_SECONDS },
    attacks: { count: e.DETECT_ATTACK_REQUESTS, windowSeconds: e.DETECT_ATTACK_WINDOW_SECONDS },
    distributed: { count: e.DETECT_DISTRIBUTED_FAILURES, networks: e.DETECT_DISTRIBUTED_NETWORKS, windowSeconds: e.DETECT_DISTRIBUTED_WINDOW_SECONDS },
    commonPasswords: { count: e.DETECT_COMMON_PASSWORDS, windowSeconds: e.DETECT_COMMON_PASSWORDS_WINDOW_SECONDS },
    cardTesting: { perNetwork: e.DETECT_CARD_DECLINES_NETWORK, perSession: e.DETECT_CARD_DECLINES_SESSION, perCard: e.DETECT_CARD_DECLINES_CARD, windowSeconds: e.DETECT_CARD_WINDOW_SECONDS },
    declineRatio: { ratio: e.DETECT_DECLINE_RATIO, min: e.DETECT_DECLINE_RATIO_MIN, windowSeconds: e.DETECT_CARD_WINDOW_SECONDS },
    cspPaymentPages: { count: e.DETECT_CSP_PAYMENT_REPORTS, windowSeconds: e.DETECT_CSP_PAYMENT_WINDOW_SECONDS },
    baseline: { factor: e.DETECT_BASELINE_FACTOR, weeks: e.DETECT_BASELINE_WEEKS },
    staff: {
      newNetwork: e.DETECT_STAFF_NEW_NETWORK === '1',
      hours: e.DETECT_STAFF_HOURS ? (e.DETECT_STAFF_HOURS.split('-').map(Number) as [number, number]) : null,
      timezone: e.DETECT_STAFF_TIMEZONE,
      reveals: e.DETECT_STAFF_REVEALS,
      exports: e.DETECT_STAFF_EXPORTS,
      changes: e.DETECT_STAFF_CHANGES,
      denials: e.DETECT_STAFF_DENIALS,
      windowSeconds: e.DETECT_STAFF_WINDOW_SECONDS,
    },
  };
}
