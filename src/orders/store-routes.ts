import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cartOwnerOf } from '../cart/owner.ts';
import { AppError } from '../platform/http/errors.ts';
import { html } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import type { RouteModule, Services } from '../services.ts';
import { storePage } from '../storefront/layout.ts';
import { claimBox } from './claim-routes.ts';
import { t } from './messages.ts';
import type { OrderView } from './model.ts';
import { historyPage, orderPage, receiptPage } from './views/store-views.ts';

const numberParams = z.object({ number: z.string().max(40) });
const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1) });
/** Right after checkout the order page leads with the thank-you; later it is just the order. */
const thanksWindowMs = 60 * 60_000;

/**
 * The order's owner only: the signed-in customer who placed it, or the browser whose cart cookie
 * placed it as a guest. Anyone else gets the same 404 as for a number that does not exist, so
 * guessing sequential order numbers reveals nothing (T4).
 */
async function ownOrder(s: Services, req: FastifyRequest): Promise<OrderView> {
  const params = numberParams.safeParse(req.params);
  if (!params.success) throw new AppError('not_found');
  const viewer = { customerId: req.customer?.id ?? null, accessTokenHash: cartOwnerOf(req, s.cookies).tokenHash };
  const order = await s.orders.findForViewer(params.data.number, viewer);
  if (!order) throw new AppError('not_found');
  return order;
}

export const ordersStoreRoutes: RouteModule = (app, s) => {
  app.get('/orders/:number', async (req, reply) => {
    const order = await ownOrder(s, req);
    const l = req.locale;
    const query = req.query as Record<string, unknown>;
    // A card order is confirmed only once paid: until then no "thank you" (title and banner).
    const thanks = (query.placed === '1' || Date.now() - order.placedAt.getTime() < thanksWindowMs) && !(order.paymentMethod === 'card' && order.paidAt === null);
    const [chrome, shop, payment] = await Promise.all([s.chrome(req), s.shop.get(), order.paymentMethod === 'card' ? s.payments.card.paymentOf(order.id) : null]);
    const title = thanks ? t(l, 'thanksTitle') : t(l, 'orderTitle', { number: order.number });
    const card = payment ? { brand: payment.brand, last4: payment.last4 } : null;
    return sendHtml(reply, storePage(req, chrome, { title, body: orderPage(order, shop, l, thanks, card) }));
  });

  app.get('/orders/:number/receipt', async (req, reply) => {
    const order = await ownOrder(s, req);
    const l = req.locale;
    if (order.status === 'cancelled' || order.status === 'refunded') throw new AppError('conflict', { message: t(l, 'receiptUnavailable') });
    const [chrome, shop] = await Promise.all([s.chrome(req), s.shop.get()]);
    const body = receiptPage(order, shop, l, new Date());
    return sendHtml(reply, storePage(req, chrome, { title: `${t(l, 'invoiceTitle')} ${order.number}`, body }));
  });

  app.get('/account/orders', async (req, reply) => {
    if (!req.customer) return reply.redirect(`/account/sign-in?next=${encodeURIComponent(req.url)}`, 303);
    const l = req.locale;
    const { page } = pageQuery.parse(req.query ?? {});
    const result = await s.orders.listForCustomer(req.customer.id, page);
    const body = html`<h1>${t(l, 'myOrders')}</h1>${historyPage(result, l)}${claimBox(req)}`;
    return sendHtml(reply, storePage(req, await s.chrome(req), { title: t(l, 'myOrders'), body }));
  });
};
