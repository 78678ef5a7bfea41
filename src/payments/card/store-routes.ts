import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cartOwnerOf } from '../../cart/owner.ts';
import { AppError } from '../../platform/http/errors.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../../platform/http/reply.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import type { OrderView } from '../../orders/service.ts';
import type { RouteModule, Services } from '../../services.ts';
import { storePage } from '../../storefront/layout.ts';
import { instructionsHtml } from '../../orders/payment-methods/registry.ts';
import type { AsyncInstructions } from '../provider.ts';
import { asyncInstructions } from './instructions.ts';
import { t } from './messages.ts';
import type { ReturnState } from './service.ts';
import { cardRecoverable, cardRecoveryForm } from '../../orders/views/card-recovery.ts';
import { linesTable, totalsSummary } from '../../orders/views/order-parts.ts';

/** Orders paid on a provider's hosted page (card; through KOMOJU also コンビニ決済, PayPay, Pay-easy). */
const hostedMethods = new Set(['card', 'konbini', 'paypay', 'payeasy']);

const returnQuery = z.object({
  session_id: z.string().regex(/^[A-Za-z0-9_]{1,200}$/).optional(),
  order: z.string().min(1).max(40).optional(),
});
const cancelBody = z.object({ order: z.string().min(1).max(40) });
const payQuery = z.object({ order: z.string().min(1).max(40) });

/** The order behind a return, only for the browser or customer that placed it (T4: others get 404). */
async function ownOrder(s: Services, req: FastifyRequest, ref: { sessionId?: string; number?: string }): Promise<OrderView> {
  let number = ref.number;
  if (!number && ref.sessionId) {
    const id = await s.payments.card.orderOfSession(ref.sessionId);
    number = id === null ? undefined : (await s.orders.byId(id))?.number;
  }
  if (!number) throw new AppError('not_found');
  const viewer = { customerId: req.customer?.id ?? null, accessTokenHash: cartOwnerOf(req, s.cookies).tokenHash };
  const order = await s.orders.findForViewer(number, viewer);
  if (!order || !hostedMethods.has(order.paymentMethod)) throw new AppError('not_found');
  return order;
}

export const cardStoreRoutes: RouteModule = (app, s) => {
  // Where the hosted page sends the shopper back. The query is never proof of payment: the state is read
  // from the provider server-to-server (and the webhook applies it too, whichever comes first).
  app.get('/checkout/card/return', async (req, reply) => {
    const q = returnQuery.safeParse(req.query);
    if (!q.success || (!q.data.session_id && !q.data.order)) throw new AppError('not_found');
    const order = await ownOrder(s, req, { sessionId: q.data.session_id, number: q.data.order });
    const { state, payUrl, instructions } = await s.payments.card.returnState(order.id);
    const l = req.locale;
    return sendHtml(reply, storePage(req, await s.chrome(req), { title: t(l, order.paymentMethod === 'card' ? 'returnTitle' : 'returnTitleHosted'), body: returnBody(state, order, payUrl, l, instructions) }));
  });

  // "Pay now" from the order page: back to the provider's page while the order is still payable. A link (GET):
  // the session already exists, so this only looks it up (and applies what the provider says, as the return page does).
  app.get('/checkout/card/pay', async (req, reply) => {
    const q = payQuery.safeParse(req.query);
    if (!q.success) throw new AppError('not_found');
    const order = await ownOrder(s, req, { number: q.data.order });
    const result = await s.payments.card.payNow(order.id);
    if ('refused' in result) throw new AppError('conflict', { message: t(req.locale, result.refused === 'unavailable' ? 'unavailable' : 'notPayable') });
    return reply.redirect(result.url, 303);
  });

  app.post('/checkout/card/cancel', async (req, reply) => {
    const body = cancelBody.safeParse(req.body);
    if (!body.success) throw new AppError('validation');
    const order = await ownOrder(s, req, { number: body.data.order });
    await s.payments.card.cancelByShopper(order.id);
    return redirectAfterPost(reply, `/checkout/card/return?order=${encodeURIComponent(order.number)}`);
  });

  // Provider webhooks. The signature is computed over the exact bytes, so this route alone reads the raw
  // body (the inbound card guard skips raw bodies; the payload is signed by the provider and holds no card
  // number). It carries no cookie, so the Origin/CSRF check lets it through; the signature is its auth.
  app.register(async (hook) => {
    hook.removeAllContentTypeParsers();
    hook.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_req, body, done) => done(null, body));
    hook.post('/webhooks/stripe', async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signature = req.headers['stripe-signature'];
      const result = await s.payments.card.handleWebhook(raw, typeof signature === 'string' ? signature : undefined, req.ip);
      return reply.code(result.status).type('application/json').send({ received: result.status === 200, outcome: result.outcome });
    });
    // KOMOJU: HMAC-SHA256 of the body in X-Komoju-Signature (T2: verified before anything is read).
    hook.post('/webhooks/komoju', async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signature = req.headers['x-komoju-signature'];
      const result = await s.payments.card.handleWebhook(raw, typeof signature === 'string' ? signature : undefined, req.ip, 'komoju');
      return reply.code(result.status).type('application/json').send({ received: result.status === 200, outcome: result.outcome });
    });
  });
};

function returnBody(state: ReturnState, order: OrderView, payUrl: string | null, l: Locale, instructions: AsyncInstructions | null): SafeHtml {
  const orderLink = html`<a class="btn btn-secondary" href="/orders/${order.number}">${t(l, 'viewOrder')}</a>`;
  const cancel = html`<form method="post" action="/checkout/card/cancel"><input type="hidden" name="order" value="${order.number}"><button type="submit" class="btn btn-danger">${t(l, 'cancelOrder')}</button></form>`;
  const again = payUrl ? html`<a class="btn btn-primary" href="${payUrl}">${t(l, 'payAgain')}</a>` : '';
  const view = {
    paid: () => html`<h1>${t(l, 'paidTitle')}</h1><p class="alert alert-success" role="status" data-payment-state="paid">${t(l, 'paidBody', { number: order.number })}</p><p>${orderLink}</p>`,
    // コンビニ決済/Pay-easy: the order waits for the cash; the payment number is shown here and was mailed.
    awaiting: () => html`<h1>${t(l, 'awaitingTitle')}</h1><p class="alert alert-info" role="status" data-payment-state="awaiting">${t(l, 'awaitingBody')}</p>${instructions ? instructionsHtml(asyncInstructions(l, instructions, order)) : ''}<p>${orderLink}</p>`,
    processing: () => html`<h1>${t(l, 'processingTitle')}</h1><p class="alert alert-info" role="status" data-payment-state="processing">${t(l, 'processingBody')}</p><p class="cluster"><a class="btn btn-secondary" href="/checkout/card/return?order=${order.number}">${t(l, 'reload')}</a> ${orderLink}</p>`,
    // Declines never say why (card testing learns nothing): one message for every reason.
    failed: () => html`<h1>${t(l, 'failedTitle')}</h1><p class="alert alert-error" role="alert" data-payment-state="failed">${t(l, 'failedBody')}</p><div class="cluster">${again} ${cancel}</div>`,
    not_completed: () => html`<h1>${t(l, 'notCompletedTitle')}</h1><p class="alert alert-info" role="status" data-payment-state="not_completed">${t(l, 'notCompletedBody')}</p><div class="cluster">${again} ${cancel}</div>`,
    cancelled: () => html`<h1>${t(l, 'cancelledTitle')}</h1><p class="alert alert-info" role="status" data-payment-state="cancelled">${t(l, 'cancelledBody', { number: order.number })}</p><p><a class="btn btn-primary" href="/products">${t(l, 'continueShopping')}</a></p>`,
    limited: () => html`<h1>${t(l, 'limitedTitle')}</h1><p class="alert alert-error" role="alert" data-payment-state="limited">${t(l, 'limitedBody')}</p><p class="small muted">${t(l, 'cancelledBody', { number: order.number })}</p>`,
  };
  // Issue 16: paid shows what was bought; a payment that did not go through keeps a way back (bank transfer or the cart).
  const summary = state === 'paid' || state === 'processing' ? html`<h2>${t(l, 'orderSummary')}</h2>${linesTable(order, l)}${totalsSummary(order, l)}` : '';
  const recovery = state !== 'paid' && state !== 'processing' && cardRecoverable(order) ? cardRecoveryForm(order, l) : '';
  return html`<div class="narrow stack">${view[state]()}${recovery}${summary}</div>`;
}
