import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import type { SignedInCustomer } from '../platform/http/request.ts';
import type { CartService } from '../cart/service.ts';
import type { Address } from '../platform/http/fields.ts';
import { cookiePolicy } from '../platform/http/cookies.ts';
import { readSession, sessionCookieBase } from './sessions.ts';

export interface IdentityService {
  /** Storefront onRequest: reads the session cookie and sets req.customer and req.sessionHash. */
  loadCustomer(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Admin onRequest: reads the admin session cookie and sets req.staff (null when absent or expired). */
  loadStaff(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** API: the customer behind an `Authorization: Bearer` token, if valid. */
  customerFromBearer(req: FastifyRequest): Promise<SignedInCustomer | null>;
  /** Prints or returns a one-time setup link when no staff account exists yet. */
  ensureSetupToken(): Promise<string | null>;
  /** The signed-in customer's saved addresses, default first (used by checkout). */
  listAddresses(customerId: number): Promise<Array<Address & { id: number; isDefault: boolean }>>;
}

// STUB until the identity domain lands: sessions are read, nothing else.
export function createIdentity(ctx: AppContext, _deps: { cart: CartService }): IdentityService {
  const cookies = cookiePolicy(ctx.config.publicUrl);
  return {
    loadCustomer: async (req) => {
      const session = await readSession(ctx.db, 'store', req.cookies[cookies.name(sessionCookieBase.store)]);
      req.sessionHash = session?.idHash ?? null;
      req.customer = null;
      if (session?.customerId) {
        const c = await ctx.db.selectFrom('customer').select(['id', 'name', 'email']).where('id', '=', session.customerId).executeTakeFirst();
        req.customer = c ?? null;
      }
    },
    loadStaff: async (req) => {
      const session = await readSession(ctx.db, 'admin', req.cookies[cookies.name(sessionCookieBase.admin)]);
      req.staff = null;
      if (session?.staffId) {
        const s = await ctx.db.selectFrom('staff').select(['id', 'name', 'email', 'role']).where('id', '=', session.staffId).where('active', '=', true).executeTakeFirst();
        req.staff = s ?? null;
      }
    },
    customerFromBearer: async () => null,
    ensureSetupToken: async () => null,
    listAddresses: async () => [],
  };
}
