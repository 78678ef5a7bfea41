import type { FastifyReply, FastifyRequest } from 'fastify';
import { cartOwnerOf } from '../../cart/owner.ts';
import type { CookiePolicy } from '../../platform/http/cookies.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { SafeHtml } from '../../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../../platform/http/reply.ts';
import type { SignedInCustomer } from '../../platform/http/request.ts';
import type { Services } from '../../services.ts';
import { storePage } from '../../storefront/layout.ts';
import type { NoticeContext } from '../notifications.ts';
import { challengeLifetimeMs } from '../two-factor/second-factor-challenge.ts';
import { sessionCookie } from '../sessions/sessions.ts';
import { deviceHashOf, startCustomerSession } from '../sessions/sign-in.ts';

// What the customer-account route modules share (route files export only their RouteModule).

export async function renderStore(s: Services, req: FastifyRequest, reply: FastifyReply, title: string, body: SafeHtml, status = 200, scripts?: string[]) {
  return sendHtml(reply, storePage(req, await s.chrome(req), { title, body, ...(scripts ? { scripts } : {}) }), status);
}

/** The signed-in customer, or a redirect to sign-in that comes back here afterwards. */
export function requireCustomer(req: FastifyRequest, reply: FastifyReply): SignedInCustomer | null {
  if (req.customer) return req.customer;
  if (req.method !== 'GET') throw new AppError('unauthenticated');
  void reply.redirect(`/account/sign-in?next=${encodeURIComponent(req.url)}`, 303);
  return null;
}

/** What account-change mails need: the shop's name and where its pages are. */
export async function noticeContext(s: Services): Promise<NoticeContext> {
  return { shopName: (await s.shop.get()).name, publicUrl: s.ctx.config.publicUrl, vault: s.ctx.vault };
}

/**
 * The last step of a browser sign-in, once every factor is verified: a fresh session cookie (the browser's
 * previous session is dropped: fixation), the guest cart merged, then on to `next`.
 */
export async function signInBrowser(s: Services, req: FastifyRequest, reply: FastifyReply, customerId: number, notice: NoticeContext, next: string) {
  const cookie = sessionCookie(s.cookies, 'store');
  const token = await startCustomerSession(s.ctx.db, s.cart, req, {
    customerId,
    previousSessionHash: req.sessionHash,
    guestCartHash: cartOwnerOf(req, s.cookies).tokenHash,
    device: { hash: deviceHashOf(req, reply, s.cookies), notice },
  });
  reply.setCookie(cookie.name, token, cookie.options);
  return redirectAfterPost(reply, next);
}

/** The pending second step of a sign-in: an HttpOnly, Strict cookie holding the challenge token, 5 minutes. */
export function challengeCookie(cookies: CookiePolicy) {
  return { name: cookies.name('signin2fa'), options: cookies.options('strict', challengeLifetimeMs / 1000) };
}
