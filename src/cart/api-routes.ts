import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteModule } from '../services.ts';
import { apiCartOwner } from './api-owner.ts';
import { apiErrors, cartJson, cartSchema, cartSecurity } from './api-schemas.ts';
import { newCartToken } from './owner.ts';

const variantParams = z.object({ variantId: z.coerce.number().int().min(1).max(2_147_483_647) });

export const cartApiRoutes: RouteModule = (app, s) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/store/carts',
    {
      schema: {
        operationId: 'createCart',
        tags: ['cart'],
        summary: 'Create a guest cart',
        description: 'Returns a 256-bit cart token: send it as `X-Cart-Token` on every cart and checkout call. Only its SHA-256 is stored; it cannot be recovered.',
        response: { 201: z.object({ token: z.string(), cart: cartSchema }) },
      },
    },
    async (_req, reply) => {
      const { token, tokenHash } = newCartToken();
      await s.cart.createGuest(tokenHash);
      return reply.code(201).header('cache-control', 'no-store').send({ token, cart: { item_count: 0, items_total: 0, blocked: false, lines: [] } });
    },
  );

  api.get(
    '/store/cart',
    { schema: { operationId: 'getCart', tags: ['cart'], summary: 'The current cart, priced at today’s prices', security: cartSecurity, response: { 200: cartSchema, ...apiErrors } } },
    async (req, reply) => {
      const owner = await apiCartOwner(req, s);
      return reply.header('cache-control', 'no-store').send(cartJson(await s.cart.view(owner, req.locale)));
    },
  );

  api.post(
    '/store/cart/items',
    {
      schema: {
        operationId: 'addCartItem',
        tags: ['cart'],
        summary: 'Add a quantity of a variant to the cart',
        security: cartSecurity,
        body: z.object({ variant_id: z.number().int().min(1).max(2_147_483_647), quantity: z.number().int().min(1).max(99) }),
        response: { 200: cartSchema, ...apiErrors },
      },
    },
    async (req) => {
      const owner = await apiCartOwner(req, s);
      await s.cart.add(owner, req.body.variant_id, req.body.quantity, req.locale);
      return cartJson(await s.cart.view(owner, req.locale));
    },
  );

  api.patch(
    '/store/cart/items/:variantId',
    {
      schema: {
        operationId: 'updateCartItem',
        tags: ['cart'],
        summary: 'Set the quantity of a cart line (0 removes it)',
        security: cartSecurity,
        params: variantParams,
        body: z.object({ quantity: z.number().int().min(0).max(99) }),
        response: { 200: cartSchema, ...apiErrors },
      },
    },
    async (req) => {
      const owner = await apiCartOwner(req, s);
      await s.cart.setQuantity(owner, req.params.variantId, req.body.quantity, req.locale);
      return cartJson(await s.cart.view(owner, req.locale));
    },
  );

  api.delete(
    '/store/cart/items/:variantId',
    {
      schema: { operationId: 'removeCartItem', tags: ['cart'], summary: 'Remove a line from the cart', security: cartSecurity, params: variantParams, response: { 200: cartSchema, ...apiErrors } },
    },
    async (req) => {
      const owner = await apiCartOwner(req, s);
      await s.cart.remove(owner, req.params.variantId);
      return cartJson(await s.cart.view(owner, req.locale));
    },
  );
};
