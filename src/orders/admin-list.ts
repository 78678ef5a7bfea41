import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import { validationMessages, type FieldErrors } from '../platform/http/forms.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { paymentMethodIds } from '../payments/registry.ts';
import { a } from './admin-messages.ts';
import { addDays, startOfJstDay } from './format.ts';
import type { Page } from './queries.ts';
import { orderStatuses } from './state-machine.ts';
import type { OrderStatus } from './tables.ts';

export interface OrderFilters {
  status?: OrderStatus;
  payment?: string;
  from?: string;
  to?: string;
  q?: string;
  customer?: number;
  page: number;
}

export interface AdminOrderRow {
  id: number;
  number: string;
  status: OrderStatus;
  paymentMethod: string;
  placedAt: Date;
  total: number;
  shipName: string;
}

export const adminPerPage = 50;
const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const orderNumberPrefix = /^[0-9][0-9-]{0,39}$/;

/** Reads the filter form (a GET query); unknown values are reported next to their field. */
export function parseFilters(query: Record<string, unknown>, l: Locale): { filters: OrderFilters; errors: FieldErrors } {
  const str = (k: string) => (typeof query[k] === 'string' ? (query[k] as string).normalize('NFKC').trim() : '');
  const errors: FieldErrors = {};
  const filters: OrderFilters = { page: Math.max(1, Math.min(10_000, Number.parseInt(str('page'), 10) || 1)) };
  const status = str('status');
  if (status && (orderStatuses as readonly string[]).includes(status)) filters.status = status as OrderStatus;
  else if (status) errors.status = validationMessages(l, 'choice');
  const payment = str('payment');
  if (payment && paymentMethodIds.includes(payment)) filters.payment = payment;
  else if (payment) errors.payment = validationMessages(l, 'choice');
  for (const key of ['from', 'to'] as const) {
    const v = str(key);
    if (!v) continue;
    if (isoDate.test(v) && !Number.isNaN(startOfJstDay(v).getTime())) filters[key] = v;
    else errors[key] = a(l, 'dateInvalid');
  }
  if (filters.from && filters.to && filters.from > filters.to) errors.to = a(l, 'rangeInvalid');
  const q = str('q');
  if (q && (orderNumberPrefix.test(q) || (q.includes('@') && q.length <= 254))) filters.q = q;
  else if (q) errors.q = a(l, 'qInvalid');
  const customer = str('customer');
  if (customer && /^\d{1,9}$/.test(customer)) filters.customer = Number(customer);
  return { filters, errors };
}

/**
 * One page of orders for staff. Search matches an order number by prefix and an e-mail address
 * only exactly, so the list cannot be used to browse customers' addresses (T4).
 */
export async function listOrdersForStaff(db: Db, f: OrderFilters): Promise<Page<AdminOrderRow>> {
  let base = db.selectFrom('orders');
  if (f.status) base = base.where('status', '=', f.status);
  if (f.payment) base = base.where('payment_method', '=', f.payment);
  if (f.from) base = base.where('placed_at', '>=', startOfJstDay(f.from));
  if (f.to) base = base.where('placed_at', '<', addDays(startOfJstDay(f.to), 1));
  if (f.customer) base = base.where('customer_id', '=', f.customer);
  if (f.q) {
    const q = f.q;
    base = q.includes('@') ? base.where(sql<string>`lower(email)`, '=', q.toLowerCase()) : base.where('number', 'like', `${q}%`);
  }
  const { n } = await base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  const pages = Math.max(1, Math.ceil(n / adminPerPage));
  const page = Math.min(f.page, pages);
  const rows = await base
    .select(['id', 'number', 'status', 'payment_method', 'placed_at', 'total', 'ship_name'])
    .orderBy('placed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(adminPerPage)
    .offset((page - 1) * adminPerPage)
    .execute();
  return {
    items: rows.map((r) => ({ id: r.id, number: r.number, status: r.status, paymentMethod: r.payment_method, placedAt: r.placed_at, total: r.total, shipName: r.ship_name })),
    total: n,
    page,
    pages,
  };
}
