import { purgeExpiredSessions } from './sessions/sessions.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import type { SignedInCustomer } from '../platform/http/request.ts';
import type { CartService } from '../cart/service.ts';
import type { Address } from '../platform/http/fields.ts';
import { cookiePolicy } from '../platform/http/cookies.ts';
import { listAddresses } from './customers/addresses.ts';
import { readCustomerSession, readStaffSession, sessionCookie } from './sessions/sessions.ts';
import { ensureSetupToken } from './staff/setup-token.ts';
import { createLoginThrottle, type LoginThrottle } from '../platform/throttle/login-throttle.ts';
import { registerPasswordResetJob } from './customers/password-reset.ts';
import { identitySecret } from './sessions/sign-in.ts';
import { encryptLegacyTotpSecrets } from './two-factor/totp-store.ts';
import { purgeExpiredChallenges } from './two-factor/second-factor-challenge.ts';

export interface IdentityService {
  /** Storefront onRequest: reads the session cookie and sets req.customer and req.sessionHash. */
  loadCustomer(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** API: the customer behind an `Authorization: Bearer` token, if valid. */
  customerFromBearer(req: FastifyRequest): Promise<SignedInCustomer | null>;
  /** Prints or returns a one-time setup link when no staff account exists yet. */
  ensureSetupToken(): Promise<string | null>;
  /** The signed-in customer's saved addresses, default first (used by checkout). */
  listAddresses(customerId: number): Promise<Array<Address & { id: number; isDefault: boolean }>>;
  /** The raw bearer token of an API request (for signing out), or null. */
  bearerToken(req: FastifyRequest): string | null;
  /** Brute-force defence shared by customer (store, API) and staff sign-in; counters in Redis when REDIS_URL is set. */
  throttle: LoginThrottle;
  /** Start-up step before serving: encrypts any TOTP secret still stored in clear (idempotent). */
  prepare(): Promise<void>;
}

export function createIdentity(ctx: AppContext, _deps: { cart: CartService }): IdentityService {
  const cookies = cookiePolicy(ctx.config.publicUrl);
  const store = sessionCookie(cookies, 'store');
  const admin = sessionCookie(cookies, 'admin');
  ctx.scheduler.every('purge-expired-sessions', 3600_000, async () => {
    await purgeExpiredSessions(ctx.db);
    await purgeExpiredChallenges(ctx.db);
  });
  const throttle = createLoginThrottle(ctx, { secret: () => identitySecret(ctx.db, 'login_throttle') });
  registerPasswordResetJob(ctx);

  function bearerToken(req: FastifyRequest): string | null {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header) : null;
    return match?.[1] ?? null;
  }

  return {
    async loadCustomer(req, reply) {
      const token = req.cookies[store.name];
      const session = await readCustomerSession(ctx, token);
      req.sessionHash = session?.idHash ?? null;
      req.customer = session?.customer ?? null;
      // A cookie whose session ended (expired, signed out elsewhere) is dropped from the browser.
      if (token !== undefined && !session) reply.clearCookie(store.name, store.options);
    },
    async customerFromBearer(req) {
      // The API never reads cookies, so it needs no CSRF defence.
      const session = await readCustomerSession(ctx, bearerToken(req) ?? undefined);
      return session?.customer ?? null;
    },
    ensureSetupToken: () => ensureSetupToken(ctx.db),
    listAddresses: (customerId) => listAddresses(ctx, customerId),
    bearerToken,
    throttle,
    async prepare() {
      const encrypted = await encryptLegacyTotpSecrets(ctx.db, ctx.vault);
      if (encrypted > 0) ctx.log.info({ encrypted }, 'staff TOTP secrets encrypted with the vault');
    },
  };
}
