import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cartOwnerOf } from '../cart/owner.ts';
import type { CartOwner, CartView } from '../cart/service.ts';
import { cardCheckoutRefusal, paymentClientOf, paymentMethodsOff } from '../payments/card/checkout-gate.ts';
import { newToken } from '../platform/crypto/tokens.ts';
import { AppError } from '../platform/http/errors.ts';
import type { FieldErrors } from '../platform/http/forms.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import { fillFromPostalCode, wantsPostalLookup } from '../platform/http/postal-lookup.ts';
import type { RouteModule, Services } from '../services.ts';
import { cardRecoverable } from '../orders/views/card-recovery.ts';
import { formValues, idempotencyKeySchema, parseCheckoutForm, type FormValues } from './form.ts';
import { t } from './messages.ts';
import type { Quote } from './service.ts';
import { checkoutFormPage, type SavedAddress } from './views/form-page.ts';
import { soldOutPage } from './views/problem-page.ts';
import { reviewPage } from './views/review-page.ts';

const expectedTotalSchema = z.coerce.number().int().min(0);
const resumeBody = z.object({ order: z.string().min(1).max(40), to: z.enum(['cart', 'bank_transfer']) });

interface Buyer {
  owner: CartOwner;
  cart: CartView;
  fixedEmail: string | null;
  savedAddresses: SavedAddress[];
}

export const checkoutStoreRoutes: RouteModule = (app, s) => {
  // T2: a card number typed into the form shows the form again with the message next to that field.
  const cardGuardForm = async (req: FastifyRequest, reply: FastifyReply, errors: FieldErrors) => {
    const buyer = await buyerOf(req, s);
    if (!buyer.cart.lines.length) return false;
    return renderForm(req, reply, s, buyer, formValues(req.body), errors, 422);
  };
  const formRoute = { config: { cardGuardForm } };

  app.get('/checkout', async (req, reply) => {
    const buyer = await buyerOf(req, s);
    if (!buyer.cart.lines.length || buyer.cart.blocked) return reply.redirect('/cart', 303);
    const values: FormValues = buyer.fixedEmail !== null ? { name: req.customer?.name ?? '' } : {};
    return renderForm(req, reply, s, buyer, values, {});
  });

  // The browser's Back (or a reload) onto a page that answered a POST: the form, filled from the cart again.
  app.get('/checkout/review', async (_req, reply) => reply.redirect('/checkout', 303));
  app.get('/checkout/place', async (_req, reply) => reply.redirect('/checkout', 303));

  // Back from the review page with what was entered; changes nothing.
  app.post('/checkout/edit', formRoute, async (req, reply) => {
    const buyer = await buyerOf(req, s);
    if (!buyer.cart.lines.length) return redirectAfterPost(reply, '/cart');
    const values = formValues(req.body);
    // The "address from postal code" button without script: the form again, filled in (nothing is kept).
    if (wantsPostalLookup(req.body)) return renderForm(req, reply, s, buyer, values, {}, 200, { ok: fillFromPostalCode(values) });
    return renderForm(req, reply, s, buyer, values, {});
  });

  app.post('/checkout/review', formRoute, async (req, reply) => {
    const buyer = await buyerOf(req, s);
    if (!buyer.cart.lines.length || buyer.cart.blocked) return redirectAfterPost(reply, '/cart');
    const checked = await checkedInput(req, buyer);
    if (!checked.ok) return renderForm(req, reply, s, buyer, checked.values, checked.errors, 422);
    // T1 fail closed: a method switched off by an integrity finding stops here, at the payment-method step.
    const off = paymentMethodsOff(s, req.locale)[checked.input.paymentMethod];
    if (off) return renderForm(req, reply, s, buyer, checked.values, { payment_method: off.message }, 409);
    const priced = await s.checkout.quote(buyer.owner, checked.input, req.locale);
    if (!priced.ok) return renderForm(req, reply, s, buyer, checked.values, priced.errors, 422);
    return renderReview(req, reply, s, priced.quote);
  });

  // The way back from a card payment that did not go through (declined, abandoned, attempt limit): the card order
  // is withdrawn first (its stock returns), then its lines go back into the cart once, and the shopper either sees
  // the cart or the checkout form filled in from the order with bank transfer chosen. Never two live orders.
  app.post('/checkout/resume', async (req, reply) => {
    const body = resumeBody.safeParse(req.body);
    if (!body.success) throw new AppError('validation');
    const l = req.locale;
    const owner = cartOwnerOf(req, s.cookies);
    const order = await s.orders.findForViewer(body.data.order, { customerId: req.customer?.id ?? null, accessTokenHash: owner.tokenHash });
    if (!order || !cardRecoverable(order)) throw new AppError('not_found');
    const orderPage = `/orders/${encodeURIComponent(order.number)}`;
    if (order.status === 'awaiting_payment') {
      await s.payments.card.cancelByShopper(order.id);
      if ((await s.orders.statusOf(order.number)) === 'awaiting_payment') {
        try {
          await s.orders.transition(order.id, 'cancelled', null, 'the shopper chose another way to pay', { expectedFrom: 'awaiting_payment', locale: l });
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'conflict')) throw err;
        }
      }
      // Paid meanwhile at the provider: the order stands, and the shopper sees it.
      if ((await s.orders.statusOf(order.number)) !== 'cancelled') return redirectAfterPost(reply, orderPage);
    }
    const cart = await s.cart.view(owner, l);
    for (const line of order.lines) {
      if (line.variantId === null) continue;
      const have = cart.lines.find((x) => x.variantId === line.variantId)?.quantity ?? 0;
      if (have >= line.quantity) continue; // pressed twice, or already back: once only
      try {
        await s.cart.add(owner, line.variantId, line.quantity - have, l);
      } catch (err) {
        if (!(err instanceof AppError)) throw err; // sold out or unpublished meanwhile: the cart shows what is left
      }
    }
    if (body.data.to === 'cart') return redirectAfterPost(reply, '/cart');
    const buyer = await buyerOf(req, s);
    if (!buyer.cart.lines.length) return redirectAfterPost(reply, '/cart');
    const values: FormValues = { ...order.shipping, email: order.email, shipping_method: order.shippingMethod, payment_method: 'bank_transfer', note: order.note };
    return renderForm(req, reply, s, buyer, values, {});
  });

  app.post('/checkout/place', formRoute, async (req, reply) => {
    const buyer = await buyerOf(req, s);
    const checked = await checkedInput(req, buyer);
    if (!checked.ok) return renderForm(req, reply, s, buyer, checked.values, checked.errors, 422);
    const body = req.body as Record<string, unknown>;
    const key = idempotencyKeySchema.safeParse(body.idempotency_key);
    const expected = expectedTotalSchema.safeParse(body.expected_total);
    try {
      if (!key.success || !expected.success) {
        const priced = await s.checkout.quote(buyer.owner, checked.input, req.locale);
        if (!priced.ok) return renderForm(req, reply, s, buyer, checked.values, priced.errors, 422);
        return renderReview(req, reply, s, priced.quote, 'resubmit', 422);
      }
      // T2: card-testing limits before a card order is placed (nothing is reserved when refused).
      const client = paymentClientOf(buyer.owner, req.ip);
      const refusal = await cardCheckoutRefusal(s.payments, checked.input.paymentMethod, client, req.locale, s);
      if (refusal) return renderForm(req, reply, s, buyer, checked.values, { payment_method: refusal.message }, refusal.status);
      // Only the key and the total the shopper saw come from the page; every price is recomputed.
      const result = await s.checkout.place(buyer.owner, checked.input, key.data, req.locale, expected.data, client);
      if (result.kind === 'invalid') return renderForm(req, reply, s, buyer, checked.values, result.errors, 422);
      if (result.kind === 'changed') return renderReview(req, reply, s, result.quote, 'priceChanged', 409);
      const location = result.next.kind === 'redirect' ? result.next.url : `/orders/${encodeURIComponent(result.order.number)}`;
      return redirectAfterPost(reply, location);
    } catch (err) {
      if (err instanceof AppError && err.code === 'sold_out') return sendHtml(reply, soldOutPage(req, await s.chrome(req)), 409);
      if (err instanceof AppError && err.code === 'conflict' && !buyer.cart.lines.length) return redirectAfterPost(reply, '/cart');
      throw err;
    }
  });
};

async function buyerOf(req: FastifyRequest, s: Services): Promise<Buyer> {
  const owner = cartOwnerOf(req, s.cookies);
  const customer = req.customer;
  const [cart, savedAddresses] = await Promise.all([s.cart.view(owner, req.locale), customer ? s.identity.listAddresses(customer.id) : Promise.resolve([])]);
  return { owner, cart, fixedEmail: customer?.email ?? null, savedAddresses };
}

/** The submitted form with what the server decides: a customer's own e-mail and chosen saved address. */
async function checkedInput(req: FastifyRequest, buyer: Buyer) {
  const values = formValues(req.body);
  if (buyer.fixedEmail !== null) values.email = buyer.fixedEmail;
  const errors: FieldErrors = {};
  if (values.address_id && values.address_id !== 'new') {
    // T4: only the signed-in customer's own addresses can be picked (the list is theirs alone).
    const saved = buyer.savedAddresses.find((a) => String(a.id) === values.address_id);
    if (!saved) errors.address_id = t(req.locale, 'unknownAddress');
    else Object.assign(values, { name: saved.name, name_kana: saved.name_kana, postal_code: saved.postal_code, prefecture: saved.prefecture, city: saved.city, line1: saved.line1, line2: saved.line2, phone: saved.phone });
  }
  const parsed = parseCheckoutForm(values, req.locale);
  if (!parsed.ok || Object.keys(errors).length) return { ok: false as const, values, errors: { ...errors, ...(parsed.ok ? {} : parsed.errors) } };
  return { ok: true as const, values, input: parsed.input };
}

async function renderForm(req: FastifyRequest, reply: FastifyReply, s: Services, buyer: Buyer, values: FormValues, errors: FieldErrors, status = 200, postalLookup: { ok: boolean } | null = null) {
  const [chrome, settings] = await Promise.all([s.chrome(req), s.shop.get()]);
  const page = checkoutFormPage(req, chrome, { cart: buyer.cart, settings, values, errors, fixedEmail: buyer.fixedEmail, savedAddresses: buyer.savedAddresses, methodsOff: paymentMethodsOff(s, req.locale), postalLookup });
  return sendHtml(reply, page, status);
}

async function renderReview(req: FastifyRequest, reply: FastifyReply, s: Services, quote: Quote, notice?: 'priceChanged' | 'resubmit', status = 200) {
  const page = reviewPage(req, await s.chrome(req), { quote, idempotencyKey: newToken(), ...(notice ? { notice } : {}) });
  return sendHtml(reply, page, status);
}
