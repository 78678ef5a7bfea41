import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiCartBuyer } from '../cart/api-owner.ts';
import { apiErrors, cartSecurity } from '../cart/api-schemas.ts';
import { cardCheckoutRefusal, paymentClientOf } from '../payments/card/checkout-gate.ts';
import { AppError } from '../platform/http/errors.ts';
import type { RouteModule, Services } from '../services.ts';
import { apiFieldErrors, bodyValues, checkoutBody, optionsSchema, placedJson, placedSchema, quoteJson, quoteSchema, type CheckoutBody } from './api-schemas.ts';
import { idempotencyKeySchema, parseCheckoutForm } from './form.ts';
import { t } from './messages.ts';

export const checkoutApiRoutes: RouteModule = (app, s) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/store/checkout/options',
    { schema: { operationId: 'getCheckoutOptions', tags: ['checkout'], summary: 'Shipping and payment methods, in the request’s language', response: { 200: optionsSchema } } },
    async (req) => {
      const options = await s.checkout.options(req.locale);
      return { shipping_methods: options.shipping, payment_methods: options.payment };
    },
  );

  api.post(
    '/store/checkout/quote',
    {
      schema: { operationId: 'quoteCheckout', tags: ['checkout'], summary: 'Price the cart for an address and methods (nothing is saved)', security: cartSecurity, body: checkoutBody, response: { 200: quoteSchema, ...apiErrors } },
    },
    async (req) => {
      const { owner, input } = await apiInput(req, s, req.body);
      const priced = await s.checkout.quote(owner, input, req.locale);
      if (!priced.ok) throw new AppError('validation', { fields: apiFieldErrors(priced.errors) });
      return quoteJson(priced.quote);
    },
  );

  api.post(
    '/store/checkout',
    {
      schema: {
        operationId: 'placeOrder',
        tags: ['checkout'],
        summary: 'Place the order for the cart',
        description:
          'Prices are recomputed on the server. Send a fresh random `Idempotency-Key` header per order: repeating a request with the same key returns the same order (200) instead of placing another. Answers 409 `sold_out` when stock ran out, and 409 `conflict` when `expected_total` no longer matches (nothing is placed in either case).',
        security: cartSecurity,
        headers: z.looseObject({ 'idempotency-key': z.string().optional().describe('16–100 characters: letters, digits, - and _') }),
        body: checkoutBody,
        response: { 200: placedSchema, 201: placedSchema, ...apiErrors },
      },
    },
    async (req, reply) => {
      const key = idempotencyKeySchema.safeParse(req.headers['idempotency-key']);
      if (!key.success) throw new AppError('validation', { message: t(req.locale, 'idempotencyKey'), fields: { 'Idempotency-Key': t(req.locale, 'idempotencyKey') } });
      const { owner, input } = await apiInput(req, s, req.body);
      // T2: card-testing limits before a card order is placed.
      const client = paymentClientOf(owner, req.ip);
      const refusal = await cardCheckoutRefusal(s.payments, input.paymentMethod, client, req.locale, s);
      if (refusal) throw new AppError(refusal.status === 429 ? 'rate_limited' : 'conflict', { message: refusal.message });
      const result = await s.checkout.place(owner, input, key.data, req.locale, req.body.expected_total, client);
      if (result.kind === 'invalid') throw new AppError('validation', { fields: apiFieldErrors(result.errors) });
      if (result.kind === 'changed') throw new AppError('conflict', { message: t(req.locale, 'totalChanged') });
      return reply
        .code(result.order.created ? 201 : 200)
        .header('cache-control', 'no-store')
        .send(placedJson(result));
    },
  );
};

async function apiInput(req: FastifyRequest, s: Services, body: CheckoutBody) {
  const { owner, customerEmail } = await apiCartBuyer(req, s);
  const values = bodyValues(body);
  if (customerEmail !== null) values.email = customerEmail;
  const parsed = parseCheckoutForm(values, req.locale);
  if (!parsed.ok) throw new AppError('validation', { fields: apiFieldErrors(parsed.errors) });
  return { owner, input: parsed.input };
}
