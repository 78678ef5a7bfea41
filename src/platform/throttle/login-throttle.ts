import { createHmac } from 'node:crypto';
import { ipBucket } from '../http/networks.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../http/errors.ts';
import { defineMessages, type Locale } from '../i18n/index.ts';
import { MemoryCounterStore, RedisCounterStore, type CounterStore } from './counter-store.ts';
import { recordSecurityEvent } from '../security/event-stream.ts';
import { banGate, type BanHit } from '../security/ban-gate.ts';

/** Who is trying to sign in: the realm, the account identifier as typed (normalized), and the client IP. */
export interface SignInAttempt {
  realm: 'store' | 'admin' | 'api';
  account: string;
  ip: string;
  /**
   * Customers only: a hash identifying a browser that has signed into this account before (its
   * device cookie). Such a browser is not held up by the account's delay (an attacker elsewhere
   * cannot keep the owner out) as long as it has itself failed fewer than `customer.freeFailures`
   * times; address limits still apply. Staff never get this (PCI DSS 8.3.4 locks the account).
   */
  knownDevice?: string;
}

/**
 * Brute-force and credential-stuffing defence for every sign-in form and API. Call `check` before
 * verifying the password (it throws AppError('rate_limited') with a Retry-After header when the
 * account, the IP or the whole site is throttled or locked, without revealing whether the account
 * exists), then `failure` or `success` after. Counters live in Redis when REDIS_URL is set, so all
 * app instances share them; in memory otherwise.
 */
export interface LoginThrottle {
  check(attempt: SignInAttempt): Promise<void>;
  failure(attempt: SignInAttempt): Promise<void>;
  success(attempt: SignInAttempt): Promise<void>;
  /** Staff accounts locked after too many failures; an owner can unlock them. */
  unlock(realm: SignInAttempt['realm'], account: string): Promise<void>;
  /** Failures counted against an account and how long it is still blocked (for the admin console). */
  status(realm: SignInAttempt['realm'], account: string): Promise<{ failures: number; retryAfterSeconds: number; locked: boolean }>;
  /**
   * Password-reset requests: at most `resetRequests.perAccount` per account and `perIp` per address in
   * their windows; an address already blocked for sign-in failures is refused too. Throws like `check`.
   */
  resetRequest(attempt: Omit<SignInAttempt, 'realm'>): Promise<void>;
  /** Registrations (each costs an argon2 hash): at most `registrations.perIp` per address in its window. Throws like `check`. */
  registration(attempt: { ip: string }): Promise<void>;
}

/**
 * The thresholds (README "Security"). Customers are never hard-locked (an attacker could otherwise
 * lock any shopper out at will); they get an escalating delay. Staff lock (PCI DSS 8.3.4).
 */
export const throttlePolicy = {
  customer: {
    /** Failures allowed without any wait (store and API share one count per account). */
    freeFailures: 5,
    /** …while the site-wide alarm is on. */
    alarmFreeFailures: 2,
    /** The wait after the first failure past the free ones; doubles with each further failure. */
    firstDelayMs: 30_000,
    maxDelayMs: 15 * 60_000,
    /** Failures are forgotten this long after the last one (or at a successful sign-in / password reset). */
    memoryMs: 24 * 3600_000,
  },
  staff: {
    /** PCI DSS 8.3.4: lock after not more than 10 invalid attempts… */
    lockAfter: 10,
    /** …for at least 30 minutes (or until an owner unlocks). Every further failure re-locks. */
    lockMs: 30 * 60_000,
    memoryMs: 24 * 3600_000,
  },
  /** Failures from one address (IPv6: its /64), across all accounts and realms. */
  ip: [
    { windowMs: 10 * 60_000, limit: 30, alarmLimit: 10 },
    { windowMs: 24 * 3600_000, limit: 200, alarmLimit: 100 },
  ],
  /** Failures across the whole site per minute that switch the alarm on, and how long it stays on. */
  site: { failuresPerMinute: 100, alarmMs: 15 * 60_000 },
  resetRequests: { perAccount: 3, perIp: 20, windowMs: 30 * 60_000 },
  registrations: { perIp: 20, windowMs: 3600_000 },
};
export type ThrottlePolicy = typeof throttlePolicy;

const messages = defineMessages({
  ja: {
    throttled: '短時間に失敗が続いたため、しばらく受け付けを止めています。{wait}後にもう一度お試しください。',
    minutes: '約{n}分',
    seconds: '{n}秒',
  },
  en: {
    throttled: 'There have been too many failed attempts, so we are pausing for a while. Please try again in {wait}.',
    minutes: 'about {n} minutes',
    seconds: '{n} seconds',
  },
});

/** A refused attempt: HTTP 429 with Retry-After, and a message that says when to retry. */
export class LoginThrottledError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', { headers: { 'retry-after': String(retryAfterSeconds) } });
  }

  override localized(locale: Locale): string {
    return throttledMessage(locale, this.retryAfterSeconds);
  }
}

const banned = defineMessages({
  ja: { account: 'このアカウントは不正なログインの疑いにより一時的にロックされています。{until} (UTC) に解除されます。お心当たりのない場合は、参照番号 {ref} をショップまでお知らせください。' },
  en: { account: 'This account is temporarily locked because of suspicious sign-in attempts, until {until} (UTC). If you think this is a mistake, please contact the shop and quote reference {ref}.' },
});

/** T4: a sign-in to a banned account is refused before any password work, the way a throttled one is (same forms, 429). */
export class AccountBannedError extends LoginThrottledError {
  constructor(readonly hit: BanHit) {
    super(Math.max(1, Math.ceil((hit.until.getTime() - Date.now()) / 1000)));
  }

  override localized(locale: Locale): string {
    return banned(locale, 'account', { until: this.hit.until.toISOString().slice(0, 16).replace('T', ' '), ref: this.hit.ref });
  }
}

export function throttledMessage(locale: Locale, seconds: number): string {
  const wait = seconds < 90 ? messages(locale, 'seconds', { n: seconds }) : messages(locale, 'minutes', { n: Math.ceil(seconds / 60) });
  return messages(locale, 'throttled', { wait });
}


function accountClass(realm: SignInAttempt['realm']): 'customer' | 'staff' {
  return realm === 'admin' ? 'staff' : 'customer';
}

export interface LoginThrottleOptions {
  /** A per-store secret: keys are HMACs under it, so account names and addresses never sit in Redis in clear, and two stores on one Redis never share counters. */
  secret?: () => Promise<string>;
  store?: CounterStore;
  policy?: ThrottlePolicy;
  now?: () => number;
}

export function createLoginThrottle(ctx: AppContext, opts: LoginThrottleOptions = {}): LoginThrottle {
  const policy = opts.policy ?? throttlePolicy;
  const now = opts.now ?? Date.now;
  const redis = opts.store ? null : ctx.redis;
  const store: CounterStore = opts.store ?? (redis ? new RedisCounterStore(redis, ctx.log) : new MemoryCounterStore());
  let secret: Promise<string> | undefined;
  const getSecret = () => {
    secret ??= (opts.secret ?? (async () => 'omamori-login-throttle'))().catch((err) => {
      secret = undefined;
      throw err;
    });
    return secret;
  };

  const keys = async (a: { realm?: SignInAttempt['realm']; account?: string; ip?: string; knownDevice?: string }) => {
    const s = await getSecret();
    const mac = (v: string) => createHmac('sha256', s).update(v).digest('base64url').slice(0, 27);
    const ns = `omamori:lt:${mac('namespace').slice(0, 10)}`;
    const account = a.account === undefined ? '' : mac(`${accountClass(a.realm ?? 'store')}:${a.account.normalize('NFKC').trim().toLowerCase()}`);
    const ip = a.ip === undefined ? '' : mac(`ip:${ipBucket(a.ip)}`);
    return {
      failures: `${ns}:af:${account}`,
      block: `${ns}:ab:${account}`,
      ipTiers: policy.ip.map((_, i) => `${ns}:ip${i}:${ip}`),
      site: `${ns}:site:${Math.floor(now() / 60_000)}`,
      alarm: `${ns}:alarm`,
      resetAccount: `${ns}:ra:${account}`,
      resetIp: `${ns}:ri:${ip}`,
      registerIp: `${ns}:rg:${ip}`,
      device: a.knownDevice === undefined ? '' : `${ns}:dv:${mac(`${account}:${a.knownDevice}`)}`,
    };
  };

  /** Seconds to wait before the next attempt from this IP, 0 when none. */
  const ipWait = (states: Array<{ count: number; ttlMs: number }>, alarm: boolean) => {
    let ms = 0;
    policy.ip.forEach((tier, i) => {
      const s = states[i]!;
      if (s.count >= (alarm ? tier.alarmLimit : tier.limit)) ms = Math.max(ms, s.ttlMs);
    });
    return ms;
  };

  const refuseIfWaiting = (ms: number) => {
    if (ms > 0) throw new LoginThrottledError(Math.max(1, Math.ceil(ms / 1000)));
  };

  return {
    async check(a) {
      const k = await keys(a);
      const trusted = accountClass(a.realm) === 'customer' && k.device !== '';
      // T4: a banned account (brute force on it, or staff's decision); a browser the customer has signed in with before
      // still gets in (an attacker elsewhere must not be able to lock the owner out).
      const ban = banGate()?.account(a.account);
      if (ban && !trusted) throw new AccountBannedError(ban);
      const [block, alarm, device, ...ips] = await store.read([k.block, k.alarm, trusted ? k.device : k.block, ...k.ipTiers]);
      // A browser the account has used before, with few failures of its own, is not held up by the account's delay.
      const accountWait = trusted && device!.count < policy.customer.freeFailures ? 0 : block!.ttlMs;
      // The answer depends only on counters keyed by what was typed, never on whether the account exists.
      refuseIfWaiting(Math.max(accountWait, ipWait(ips, alarm!.count > 0)));
    },

    async failure(a) {
      const k = await keys(a);
      const cls = accountClass(a.realm);
      const [failures, ...rest] = await store.incr([
        { key: k.failures, windowMs: policy[cls].memoryMs, sliding: true },
        ...(cls === 'customer' && k.device ? [{ key: k.device, windowMs: policy.customer.memoryMs, sliding: true }] : []),
        ...policy.ip.map((tier, i) => ({ key: k.ipTiers[i]!, windowMs: tier.windowMs, sliding: false })),
        { key: k.site, windowMs: 120_000, sliding: false },
      ]);
      const siteCount = rest[rest.length - 1]!;
      let alarm = false;
      if (siteCount >= policy.site.failuresPerMinute) {
        alarm = true;
        // Site-wide alarm: a burst of failures across many accounts and addresses (credential stuffing
        // from a botnet). Budgets for *failures* shrink; a correct password is never refused by it.
        if (await store.flag(k.alarm, policy.site.alarmMs)) ctx.log.warn({ failuresPerMinute: siteCount }, 'login throttle: site-wide failure alarm on');
      } else {
        alarm = (await store.read([k.alarm]))[0]!.count > 0;
      }
      if (cls === 'staff') {
        if (failures! >= policy.staff.lockAfter) {
          await store.extend(k.block, policy.staff.lockMs);
          if (failures === policy.staff.lockAfter) ctx.log.warn({ realm: a.realm }, 'login throttle: staff account locked');
          if (failures === policy.staff.lockAfter) recordSecurityEvent(ctx, { kind: 'auth.lockout', outcome: 'refused', ip: a.ip, account: a.account, detail: { realm: 'staff' } });
        }
        return;
      }
      const free = alarm ? policy.customer.alarmFreeFailures : policy.customer.freeFailures;
      if (failures! >= free) {
        const delay = Math.min(policy.customer.firstDelayMs * 2 ** (failures! - free), policy.customer.maxDelayMs);
        await store.extend(k.block, delay);
      }
    },

    async success(a) {
      // Only the account's own count is cleared: clearing the IP's would let an attacker who owns one
      // account reset their address's budget by signing into it between guesses.
      const k = await keys(a);
      // From a known device only that device's count is cleared: the owner signing in from home
      // must not hand an attacker elsewhere a fresh set of guesses.
      await store.del(k.device ? [k.device] : [k.failures, k.block]);
    },

    async unlock(realm, account) {
      const k = await keys({ realm, account });
      await store.del([k.failures, k.block, k.resetAccount]);
    },

    async status(realm, account) {
      const k = await keys({ realm, account });
      const [failures, block] = await store.read([k.failures, k.block]);
      const retryAfterSeconds = Math.ceil(block!.ttlMs / 1000);
      return { failures: failures!.count, retryAfterSeconds, locked: retryAfterSeconds > 0 };
    },

    async resetRequest(a) {
      const k = await keys({ realm: 'store', ...a });
      const { perAccount, perIp, windowMs } = policy.resetRequests;
      const [acct, ipReq, alarm, ...ips] = await store.read([k.resetAccount, k.resetIp, k.alarm, ...k.ipTiers]);
      let wait = ipWait(ips, alarm!.count > 0);
      if (acct!.count >= perAccount) wait = Math.max(wait, acct!.ttlMs);
      if (ipReq!.count >= perIp) wait = Math.max(wait, ipReq!.ttlMs);
      refuseIfWaiting(wait);
      await store.incr([
        { key: k.resetAccount, windowMs, sliding: false },
        { key: k.resetIp, windowMs, sliding: false },
      ]);
    },

    async registration(a) {
      const k = await keys({ ip: a.ip });
      const { perIp, windowMs } = policy.registrations;
      const [reg, alarm, ...ips] = await store.read([k.registerIp, k.alarm, ...k.ipTiers]);
      refuseIfWaiting(Math.max(ipWait(ips, alarm!.count > 0), reg!.count >= perIp ? reg!.ttlMs : 0));
      await store.incr([{ key: k.registerIp, windowMs, sliding: false }]);
    },
  };
}
