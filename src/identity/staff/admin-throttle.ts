import type { FastifyRequest } from 'fastify';
import type { LoginThrottle, SignInAttempt } from '../../platform/throttle/login-throttle.ts';
import type { Services } from '../../services.ts';

/** The sign-in throttle for staff (realm 'admin'): the instance the identity service shares with customer sign-in. */
export function staffThrottle(s: Services): LoginThrottle {
  return s.identity.throttle;
}

/** The attempt key: the account as typed (lower-cased e-mail) and the client IP. */
export function staffAttempt(req: FastifyRequest, email: string): SignInAttempt {
  return { realm: 'admin', account: email.trim().toLowerCase(), ip: req.ip };
}
