import type { AppContext } from '../context.ts';

/** Who is trying to sign in: the realm, the account identifier as typed (normalized), and the client IP. */
export interface SignInAttempt {
  realm: 'store' | 'admin' | 'api';
  account: string;
  ip: string;
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
}

// STUB until the throttling work lands: lets every attempt through.
export function createLoginThrottle(_ctx: AppContext): LoginThrottle {
  return {
    check: async () => {},
    failure: async () => {},
    success: async () => {},
    unlock: async () => {},
  };
}
