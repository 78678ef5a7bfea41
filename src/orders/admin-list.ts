import { sql, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { Database } from '../platform/db/schema.ts';
import { familyName, normalizeName, normalizePhone, type Vault } from '../vault/index.ts';
import { requireVault } from '../vault/bound.ts';
import { openOrderRow } from './encrypted-fields.ts';
import { validationMessages, type FieldErrors } from '../platform/http/forms.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { paymentMethodIds } from './payment-methods/registry.ts';
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
const orderNumberPrefix = /^[1-9][0-9-]{0,39}$/;
// Japanese phone numbers start with 0, order numbers never do (YYYYMMDD-n).
const phoneNumber = /^0[0-9\s()-]{9,20}$/;
const namePrefix = /^[\p{L}\p{M}ー・･\s]{1,40}$/u;
/** At most this many orders share a 2-character name token before the longer prefix filters them in memory. */
const nameCandidates = 5000;

export type SearchKind = 'number' | 'email' | 'phone' | 'name';

/** What the search box holds: see README "What admin search can find, and why". */
export function searchKind(q: string): SearchKind | null {
  if (q.includes('@')) return q.length <= 254 ? 'email' : null;
  if (phoneNumber.test(q)) return normalizePhone(q).length >= 10 && normalizePhone(q).length <= 11 ? 'phone' : null;
  if (orderNumberPrefix.test(q)) return 'number';
  return namePrefix.test(q) && normalizeName(q).length > 0 ? 'name' : null;
}

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
  if (q && searchKind(q)) filters.q = q;
  else if (q) errors.q = a(l, 'qInvalid');
  const customer = str('customer');
  if (customer && /^\d{1,9}$/.test(customer)) filters.customer = Number(customer);
  return { filters, errors };
}

/**
 * One page of orders for staff. The personal columns are ciphertexts (issue 5), so search goes through blind
 * indexes: an order number by prefix (plain), an e-mail address or a phone number only exactly, a name by the
 * prefix of the family name or its kana (1-2 characters by token; a longer prefix filters those candidates after
 * decrypting them). The list cannot be used to browse customers' addresses (T4).
 */
export async function listOrdersForStaff(db: Db, f: OrderFilters): Promise<Page<AdminOrderRow>> {
  const vault = requireVault(db, 'the admin order list'); // ctx.db carries it
  let base = db.selectFrom('orders');
  if (f.status) base = base.where('status', '=', f.status);
  if (f.payment) base = base.where('payment_method', '=', f.payment);
  if (f.from) base = base.where('placed_at', '>=', startOfJstDay(f.from));
  if (f.to) base = base.where('placed_at', '<', addDays(startOfJstDay(f.to), 1));
  if (f.customer) base = base.where('customer_id', '=', f.customer);
  const kind = f.q ? searchKind(f.q) : null;
  if (f.q && kind === 'email') base = base.where('email_bidx', '=', vault.emailIndex(f.q));
  else if (f.q && kind === 'phone') base = base.where('phone_bidx', '=', vault.phoneIndex(f.q));
  else if (f.q && kind === 'number') base = base.where('number', 'like', `${f.q}%`);
  else if (f.q && kind === 'name') {
    const tokens = [vault.namePrefixQuery(f.q, 'name'), vault.namePrefixQuery(f.q, 'kana')].filter((t): t is string => t !== null);
    base = base.where(sql<boolean>`name_tokens && ${sql.val(tokens)}::text[]`);
    if ([...normalizeName(f.q)].length > 2) return nameSearchPage(base, vault, normalizeName(f.q), f.page);
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
  return { items: await toRows(vault, rows), total: n, page, pages };
}

type ListBase = SelectQueryBuilder<Database, 'orders', object>;

/** A prefix longer than the indexed 2 characters: the token's candidates are decrypted and filtered here. */
async function nameSearchPage(base: ListBase, vault: Vault, prefix: string, wanted: number): Promise<Page<AdminOrderRow>> {
  const candidates = await base
    .select(['id', 'ship_name', 'ship_name_kana'])
    .orderBy('placed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(nameCandidates)
    .execute();
  const ids: number[] = [];
  for (const c of candidates) {
    const plain = await openOrderRow(vault, c);
    if (familyName(plain.ship_name ?? '').startsWith(prefix) || familyName(plain.ship_name_kana ?? '').startsWith(prefix)) ids.push(c.id);
  }
  const pages = Math.max(1, Math.ceil(ids.length / adminPerPage));
  const page = Math.min(wanted, pages);
  const slice = ids.slice((page - 1) * adminPerPage, page * adminPerPage);
  const rows = slice.length
    ? await base.select(['id', 'number', 'status', 'payment_method', 'placed_at', 'total', 'ship_name']).where('id', 'in', slice).orderBy('placed_at', 'desc').orderBy('id', 'desc').execute()
    : [];
  return { items: await toRows(vault, rows), total: ids.length, page, pages };
}

async function toRows(vault: Vault, rows: Array<{ id: number; number: string; status: OrderStatus; payment_method: string; placed_at: Date; total: number; ship_name: string }>): Promise<AdminOrderRow[]> {
  const out: AdminOrderRow[] = [];
  for (const r of rows) {
    const shipName = await vault.decrypt({ table: 'orders', column: 'ship_name', rowId: r.id }, r.ship_name);
    out.push({ id: r.id, number: r.number, status: r.status, paymentMethod: r.payment_method, placedAt: r.placed_at, total: r.total, shipName });
  }
  return out;
}
