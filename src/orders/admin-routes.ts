import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { can } from '../platform/permissions.ts';
import { AppError } from '../platform/http/errors.ts';
import { validationMessages, type FieldErrors } from '../platform/http/forms.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { Locale } from '../platform/i18n/index.ts';
import type { RouteModule, Services } from '../services.ts';
import { listOrdersForStaff, parseFilters } from './admin-list.ts';
import { a } from './admin-messages.ts';
import { containsCardNumber } from '../platform/card-numbers/card-numbers.ts';
import { termsOf } from './method-views.ts';
import { isCarrier } from '../shipping/carriers.ts';
import { eventsOf } from './queries.ts';
import { nextStatuses, orderStatuses } from './state-machine.ts';
import type { OrderStatus } from './tables.ts';
import { orderDetailPage, orderListPage, packingSlipPage, type DetailOptions } from './views/admin-views.ts';
import { recordPersonalDataView, recordStaffAction } from '../audit/record.ts';

const section = '/admin/orders';
const filterKeys = ['status', 'payment', 'from', 'to', 'q', 'customer'] as const;

function textValues(source: unknown, keys: readonly string[]): Record<string, string> {
  const record = (source ?? {}) as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, typeof record[k] === 'string' ? (record[k] as string).slice(0, 600) : '']));
}

function orderIdOf(req: FastifyRequest): number {
  const raw = (req.params as { id?: string }).id ?? '';
  if (!/^\d{1,9}$/.test(raw)) throw new AppError('not_found');
  return Number(raw);
}

const isStatus = (v: string): v is OrderStatus => (orderStatuses as readonly string[]).includes(v);

/** The status form: target state, the state the staff member saw, an optional tracking number and note. */
function parseStatusForm(body: unknown, l: Locale) {
  const v = textValues(body, ['to', 'from', 'tracking', 'note', 'carrier']);
  const errors: FieldErrors = {};
  const tracking = v.tracking!.normalize('NFKC').trim();
  const note = v.note!.trim();
  if (!/^[A-Za-z0-9-]{0,40}$/.test(tracking)) errors.tracking = a(l, 'trackingInvalid');
  if (note.length > 500) errors.note = validationMessages(l, 'too_long', { max: 500 });
  // T2: card numbers must never be stored, not even in a staff note.
  if (containsCardNumber(note)) errors.note = a(l, 'cardNumberRefused');
  if (containsCardNumber(tracking)) errors.tracking = a(l, 'cardNumberRefused');
  const to = isStatus(v.to!) ? v.to : null;
  const from = isStatus(v.from!) ? v.from : undefined;
  const carrier = isCarrier(v.carrier!) ? v.carrier : '';
  return { to, from, tracking, note, carrier, errors, values: v };
}

export const ordersAdminRoutes: RouteModule = (app, s) => {
  app.get('/orders', { config: { permission: 'orders.read' } }, async (req, reply) => {
    const l = req.locale;
    const query = (req.query ?? {}) as Record<string, unknown>;
    const { filters, errors } = parseFilters(query, l);
    const values = textValues(query, filterKeys);
    const invalid = Object.keys(errors).length > 0;
    const result = invalid ? null : await listOrdersForStaff(s.ctx.db, filters);
    return sendHtml(reply, adminPage(req, { title: a(l, 'title'), section, body: orderListPage(result, values, errors, l, can(req.staff!.role, 'orders.write')) }), invalid ? 422 : 200);
  });

  app.get('/orders/:id', { config: { permission: 'orders.read' } }, async (req, reply) => {
    const done = (req.query as Record<string, unknown>).done;
    return renderDetail(s, req, reply, orderIdOf(req), { done: typeof done === 'string' && isStatus(done) ? done : undefined });
  });

  // T4: the audited reveal of one order's personal data, for that response only.
  app.post('/orders/:id/reveal', { config: { permission: 'customers.read_unmasked' } }, async (req, reply) => {
    const id = orderIdOf(req);
    const order = await s.orders.byId(id);
    if (!order) throw new AppError('not_found');
    // Principle 4: recorded before it is shown.
    await recordPersonalDataView(s.ctx.db, { staff: req.staff!, object: { type: 'order', id }, fields: ['email', 'shipping.name', 'shipping.address', 'shipping.phone', 'note'], req });
    return renderDetail(s, req, reply, id, { revealed: true });
  });

  // Fulfilment needs the full address: printing the packing slip is a reveal and is recorded as one (T4).
  app.post('/orders/:id/packing-slip', { config: { permission: 'orders.write' } }, async (req, reply) => {
    const id = orderIdOf(req);
    const order = await s.orders.byId(id);
    if (!order) throw new AppError('not_found');
    await recordStaffAction(s.ctx.db, { staff: req.staff!, action: 'personal_data.view_unmasked', object: { type: 'order', id }, detail: { fields: ['shipping.name', 'shipping.address', 'shipping.phone', 'note'], purpose: 'packing_slip' }, req });
    const shop = await s.shop.get();
    const body = packingSlipPage(order, shop, req.locale);
    return sendHtml(reply, adminPage(req, { title: a(req.locale, 'packingSlipTitle', { number: order.number }), section, body }));
  });

  app.post('/orders/:id/status', { config: { permission: 'orders.write' } }, async (req, reply) => {
    const id = orderIdOf(req);
    const l = req.locale;
    const form = parseStatusForm(req.body, l);
    if (!form.to) throw new AppError('validation');
    if (Object.keys(form.errors).length) return renderDetail(s, req, reply, id, { errors: form.errors, values: form.values }, 422);
    try {
      const order = await s.orders.byId(id);
      const hosted = !!order && s.payments.isHosted(order.paymentMethod);
      if (hosted && (form.to === 'refunded' || form.to === 'paid')) throw new AppError('conflict');
      // An order paid on a provider's page cancelled by staff: closed at the provider first, so it cannot be paid afterwards.
      if (hosted && form.to === 'cancelled' && order.status === 'awaiting_payment') await s.payments.card.closeSession(id);
      await s.orders.transition(id, form.to, req.staff!.id, form.note, { expectedFrom: form.from, trackingNumber: form.tracking || undefined, carrier: form.carrier, locale: l });
    } catch (err) {
      // Closing the payment at the provider may send a webhook that cancels the order first: that is what staff asked for.
      if (err instanceof AppError && err.code === 'conflict' && form.to === 'cancelled' && (await s.orders.byId(id))?.status === 'cancelled') return redirectAfterPost(reply, `/admin/orders/${id}?done=cancelled`);
      // The refusal is shown on the order page itself, with the buttons that are still legal.
      if (err instanceof AppError && err.code === 'conflict') return renderDetail(s, req, reply, id, { refusal: err.localized(l) }, 409);
      throw err;
    }
    return redirectAfterPost(reply, `/admin/orders/${id}?done=${form.to}`);
  });
};

async function renderDetail(s: Services, req: FastifyRequest, reply: FastifyReply, id: number, extra: Partial<DetailOptions>, status = 200) {
  const l = req.locale;
  const order = await s.orders.byId(id);
  if (!order) throw new AppError('not_found');
  const events = await eventsOf(s.ctx.db, id);
  const role = req.staff!.role;
  const canWrite = can(role, 'orders.write');
  const card = s.payments.isHosted(order.paymentMethod); // card, and KOMOJU's コンビニ決済, PayPay, Pay-easy
  // Card orders are paid and refunded through the provider: "refunded" comes from the refund form, never from a bare status change.
  const next = nextStatuses(order.status, termsOf(order.paymentMethod)).filter((to) => !card || (to !== 'refunded' && to !== 'paid'));
  const notice = (req.query as Record<string, unknown>).card;
  const payment = card ? await s.payments.adminSection(id, { canWrite, notice }, l) : undefined;
  const options: DetailOptions = { next, canWrite, noteVisible: canWrite, revealed: false, canReveal: can(role, 'customers.read_unmasked'), payment, ...extra };
  const body = orderDetailPage(order, events, options, l);
  return sendHtml(reply, adminPage(req, { title: a(l, 'detailTitle', { number: order.number }), section, body }), status);
}
