import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cartTokenHeader } from '../cart/owner.ts';
import { hashToken } from '../platform/crypto/tokens.ts';
import { AppError } from '../platform/http/errors.ts';
import type { RouteModule } from '../services.ts';
import { orderApiErrors, orderJson, orderListSchema, orderSchema, orderSummaryJson } from './api-schemas.ts';

const tags = ['Store: orders'];
const numberParams = z.object({ number: z.string().max(40) });
const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) });

export const ordersApiRoutes: RouteModule = (app, s) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/store/orders',
    {
      schema: {
        operationId: 'listMyOrders',
        tags,
        summary: 'The signed-in customer’s orders, newest first',
        security: [{ customerToken: [] }],
        querystring: pageQuery,
        response: { 200: orderListSchema, ...orderApiErrors },
      },
    },
    async (req, reply) => {
      const customer = await s.identity.customerFromBearer(req);
      if (!customer) throw new AppError('unauthenticated');
      const result = await s.orders.listForCustomer(customer.id, req.query.page);
      return reply.header('cache-control', 'no-store').send({ ...result, items: result.items.map(orderSummaryJson) });
    },
  );

  api.get(
    '/store/orders/:number',
    {
      schema: {
        operationId: 'getOrder',
        tags,
        summary: 'One order, for the customer who placed it or the guest cart it was placed from',
        description: 'Authenticate with the customer’s bearer token, or with the `X-Cart-Token` the guest checked out with. Anyone else gets 404, as for an order that does not exist.',
        security: [{ customerToken: [] }, { cartToken: [] }],
        params: numberParams,
        response: { 200: orderSchema, ...orderApiErrors },
      },
    },
    async (req, reply) => {
      const customer = await s.identity.customerFromBearer(req);
      const header = req.headers[cartTokenHeader];
      const token = typeof header === 'string' ? header.trim() : '';
      // The API never reads cookies: a guest proves ownership with the cart token itself (T4).
      const viewer = { customerId: customer?.id ?? null, accessTokenHash: token && token.length <= 100 ? hashToken(token) : null };
      if (!viewer.customerId && !viewer.accessTokenHash) throw new AppError('unauthenticated');
      const order = await s.orders.findForViewer(req.params.number, viewer);
      if (!order) throw new AppError('not_found');
      return reply.header('cache-control', 'no-store').send(orderJson(order, await s.shop.get(), req.locale));
    },
  );
};
