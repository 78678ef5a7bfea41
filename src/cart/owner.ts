import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashToken, newToken } from '../platform/crypto/tokens.ts';
import type { CookiePolicy } from '../platform/http/cookies.ts';
import type { CartOwner } from './service.ts';

export const cartCookieBase = 'cart';
export const cartTokenHeader = 'x-cart-token';
/** Long enough to come back to a cart, and for a guest to reopen their order confirmation. */
export const cartCookieMaxAgeSeconds = 90 * 24 * 3600;

/** The cart owner of a storefront request: the signed-in customer, else the guest's cart cookie. */
export function cartOwnerOf(req: FastifyRequest, cookies: CookiePolicy): CartOwner {
  const token = req.cookies[cookies.name(cartCookieBase)];
  return { customerId: req.customer?.id ?? null, tokenHash: token && token.length <= 100 ? hashToken(token) : null };
}

/** A fresh 256-bit guest cart token and the hash that is all the database keeps. */
export function newCartToken(): { token: string; tokenHash: string } {
  const token = newToken();
  return { token, tokenHash: hashToken(token) };
}

/** T6: HttpOnly, so no script (not even an injected third-party one) can read the token; SameSite=Lax; __Host- over HTTPS. */
export function setCartCookie(reply: FastifyReply, cookies: CookiePolicy, token: string): void {
  reply.setCookie(cookies.name(cartCookieBase), token, cookies.options('lax', cartCookieMaxAgeSeconds));
}
