import type { FastifyRequest } from 'fastify';
import { hashToken } from '../platform/crypto/tokens.ts';
import type { CookiePolicy } from '../platform/http/cookies.ts';
import type { CartOwner } from './service.ts';

export const cartCookieBase = 'cart';
export const cartTokenHeader = 'x-cart-token';

/** The cart owner of a storefront request: the signed-in customer, else the guest's cart cookie. */
export function cartOwnerOf(req: FastifyRequest, cookies: CookiePolicy): CartOwner {
  const token = req.cookies[cookies.name(cartCookieBase)];
  return { customerId: req.customer?.id ?? null, tokenHash: token ? hashToken(token) : null };
}
