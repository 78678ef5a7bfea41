import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import type { SignedInCustomer } from '../platform/http/request.ts';
import type { CartService } from '../cart/service.ts';

export interface IdentityService {
  /** Storefront onRequest: reads the session cookie and sets req.customer and req.sessionHash. */
  loadCustomer(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Admin onRequest: reads the admin session cookie and sets req.staff (null when absent or expired). */
  loadStaff(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** API: the customer behind an `Authorization: Bearer` token, if valid. */
  customerFromBearer(req: FastifyRequest): Promise<SignedInCustomer | null>;
  /** Prints or returns a one-time setup link when no staff account exists yet. */
  ensureSetupToken(): Promise<string | null>;
}

// STUB until the identity domain lands: nobody is ever signed in.
export function createIdentity(_ctx: AppContext, _deps: { cart: CartService }): IdentityService {
  return {
    loadCustomer: async (req) => {
      req.customer = null;
      req.sessionHash = null;
    },
    loadStaff: async (req) => {
      req.staff = null;
    },
    customerFromBearer: async () => null,
    ensureSetupToken: async () => null,
  };
}
