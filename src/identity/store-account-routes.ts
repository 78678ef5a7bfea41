import type { FastifyReply, FastifyRequest } from 'fastify';
import { cartOwnerOf } from '../cart/owner.ts';
import { AppError, errorMessage } from '../platform/http/errors.ts';
import { parseInput } from '../platform/http/forms.ts';
import type { SignedInCustomer } from '../platform/http/request.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { SafeHtml } from '../platform/http/html.ts';
import type { RouteModule, Services } from '../services.ts';
import { storePage } from '../storefront/layout.ts';
import { authenticateCustomer, customerProfile, registerCustomer, registrationSchema, signInSchema } from './customers.ts';
import { formValues } from './form-ui.ts';
import { t } from './messages.ts';
import { safeNextPath } from './redirects.ts';
import { deleteSession, sessionCookie } from './sessions.ts';
import { startCustomerSession } from './sign-in.ts';
import { accountOverview, registeredNotice, registerForm, signInForm } from './store-account-views.ts';

export async function renderStore(s: Services, req: FastifyRequest, reply: FastifyReply, title: string, body: SafeHtml, status = 200) {
  return sendHtml(reply, storePage(req, await s.chrome(req), { title, body }), status);
}

/** The signed-in customer, or a redirect to sign-in that comes back here afterwards. */
export function requireCustomer(req: FastifyRequest, reply: FastifyReply): SignedInCustomer | null {
  if (req.customer) return req.customer;
  if (req.method !== 'GET') throw new AppError('unauthenticated');
  void reply.redirect(`/account/sign-in?next=${encodeURIComponent(req.url)}`, 303);
  return null;
}

const afterSignIn = (next: unknown) => safeNextPath(next, '/account');

export const storeAccountRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;
  const cookie = sessionCookie(s.cookies, 'store');

  app.get('/account/register', async (req, reply) => {
    if (req.customer) return reply.redirect('/account', 303);
    return renderStore(s, req, reply, t(req.locale, 'registerTitle'), registerForm(req.locale, {}, {}, null));
  });

  app.post('/account/register', async (req, reply) => {
    const l = req.locale;
    const parsed = parseInput(registrationSchema, req.body, l);
    if (!parsed.ok) return renderStore(s, req, reply, t(l, 'registerTitle'), registerForm(l, formValues(req.body), parsed.errors, errorMessage('validation', l)), 422);
    const shop = await s.shop.get();
    await registerCustomer(db, parsed.data, { locale: l, shopName: shop.name, publicUrl: s.ctx.config.publicUrl });
    return redirectAfterPost(reply, '/account/register/done');
  });

  app.get('/account/register/done', async (req, reply) => renderStore(s, req, reply, t(req.locale, 'registeredTitle'), registeredNotice(req.locale)));

  app.get('/account/sign-in', async (req, reply) => {
    const next = (req.query as Record<string, unknown>).next;
    if (req.customer) return reply.redirect(afterSignIn(next), 303);
    return renderStore(s, req, reply, t(req.locale, 'signInTitle'), signInForm(req.locale, {}, {}, null, afterSignIn(next)));
  });

  app.post('/account/sign-in', async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const next = afterSignIn(values.next);
    const parsed = parseInput(signInSchema, req.body, l);
    if (!parsed.ok) return renderStore(s, req, reply, t(l, 'signInTitle'), signInForm(l, values, parsed.errors, errorMessage('validation', l), next), 422);
    // Throttling per account and per address will hook in here, before the password is checked.
    const customer = await authenticateCustomer(db, parsed.data.email, parsed.data.password);
    // One message and status for an unknown e-mail and a wrong password (user enumeration).
    if (!customer) return renderStore(s, req, reply, t(l, 'signInTitle'), signInForm(l, values, {}, t(l, 'signInFailed'), next), 401);
    const token = await startCustomerSession(db, s.cart, req, { customerId: customer.id, previousSessionHash: req.sessionHash, guestCartHash: cartOwnerOf(req, s.cookies).tokenHash });
    reply.setCookie(cookie.name, token, cookie.options);
    return redirectAfterPost(reply, next);
  });

  app.post('/account/sign-out', async (req, reply) => {
    if (req.sessionHash) await deleteSession(db, req.sessionHash);
    reply.clearCookie(cookie.name, cookie.options);
    return redirectAfterPost(reply, '/');
  });

  app.get('/account', async (req, reply) => {
    const customer = requireCustomer(req, reply);
    if (!customer) return reply;
    const profile = await customerProfile(db, customer.id);
    if (!profile) throw new AppError('not_found');
    return renderStore(s, req, reply, t(req.locale, 'accountTitle'), accountOverview(req.locale, profile));
  });
};
