import type { FastifyRequest } from 'fastify';
import { hashToken } from '../platform/crypto/tokens.ts';
import { AppError } from '../platform/http/errors.ts';
import type { Services } from '../services.ts';
import { t } from './messages.ts';
import { cartTokenHeader } from './owner.ts';
import type { CartOwner } from './service.ts';

/**
 * The cart an API request acts on: the customer of a valid bearer token, else the guest cart named
 * by X-Cart-Token. Cookies are never read here, so the API needs no CSRF defence.
 */
export async function apiCartOwner(req: FastifyRequest, s: Services): Promise<CartOwner> {
  return (await apiCartBuyer(req, s)).owner;
}

/** The cart owner and, for a signed-in customer, their account e-mail. */
export async function apiCartBuyer(req: FastifyRequest, s: Services): Promise<{ owner: CartOwner; customerEmail: string | null }> {
  const customer = await s.identity.customerFromBearer(req);
  if (customer) return { owner: { customerId: customer.id, tokenHash: null }, customerEmail: customer.email };
  const header = req.headers[cartTokenHeader];
  const token = typeof header === 'string' ? header.trim() : '';
  if (!token) throw new AppError('unauthenticated');
  const owner: CartOwner = { customerId: null, tokenHash: token.length <= 100 ? hashToken(token) : 'invalid' };
  // Only carts we issued exist; an unknown token opens nothing.
  if (!(await s.cart.exists(owner))) throw new AppError('not_found', { message: t(req.locale, 'cartNotFound') });
  return { owner, customerEmail: null };
}
