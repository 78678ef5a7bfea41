import { sql } from 'kysely';
import { listAddresses } from '../identity/customers/addresses.ts';
import { searchCustomers } from '../identity/customers/admin-customers.ts';
import { listOrdersForStaff, type OrderFilters } from '../orders/admin-list.ts';
import type { OrderStatus } from '../orders/tables.ts';
import type { Services } from '../services.ts';
import type { CsvValue } from './csv.ts';
import type { ExportFilter, ExportKind } from './tables.ts';

/** No export, approved or not, is larger than this (memory of one response; narrow the filter instead). */
export const exportHardLimit = 50_000;

export const columns: Record<ExportKind, readonly string[]> = {
  customers: ['customer_id', 'name', 'name_kana', 'email', 'phone', 'registered_at', 'postal_code', 'prefecture', 'city', 'line1', 'line2', 'address_phone'],
  orders: ['order_number', 'placed_at', 'status', 'payment_method', 'total_yen', 'customer_id', 'email', 'ship_name', 'ship_name_kana', 'postal_code', 'prefecture', 'city', 'line1', 'line2', 'phone'],
};

function orderFilters(f: ExportFilter, page: number): OrderFilters {
  return { page, ...(f.from ? { from: f.from } : {}), ...(f.to ? { to: f.to } : {}), ...(f.status ? { status: f.status as OrderStatus } : {}) };
}

/** How many rows an export would hold, before any personal data is read (the caps are decided on this). */
export async function countRows(s: Services, kind: ExportKind, f: ExportFilter): Promise<number> {
  if (kind === 'orders') return (await listOrdersForStaff(s.ctx.db, orderFilters(f, 1))).total;
  // Only a count of the customer table: no personal column is read here.
  const { n } = await s.ctx.db.selectFrom('customer').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return n;
}

/**
 * The rows of an export, newest first, at most `limit`. Personal data is read only through the owning
 * domains' functions, which decrypt it (principle 2): never by SQL on the encrypted columns.
 */
export async function loadRows(s: Services, kind: ExportKind, f: ExportFilter, limit: number): Promise<CsvValue[][]> {
  return kind === 'customers' ? customerRows(s, limit) : orderRows(s, f, limit);
}

async function customerRows(s: Services, limit: number): Promise<CsvValue[][]> {
  const rows: CsvValue[][] = [];
  const seen = new Set<number>();
  for (let page = 1; rows.length < limit; page++) {
    const { customers, hasNext } = await searchCustomers(s.ctx, { q: '', page });
    const fresh = customers.filter((c) => !seen.has(c.id)).slice(0, limit - rows.length);
    fresh.forEach((c) => seen.add(c.id));
    const books = await Promise.all(fresh.map((c) => listAddresses(s.ctx, c.id)));
    fresh.forEach((c, i) => {
      const a = books[i]!.find((x) => x.isDefault) ?? books[i]![0];
      rows.push([c.id, c.name, c.name_kana, c.email, c.phone, c.created_at, a?.postal_code, a?.prefecture, a?.city, a?.line1, a?.line2, a?.phone]);
    });
    if (!hasNext) break;
  }
  return rows;
}

async function orderRows(s: Services, f: ExportFilter, limit: number): Promise<CsvValue[][]> {
  const rows: CsvValue[][] = [];
  const seen = new Set<number>();
  for (let page = 1; rows.length < limit; page++) {
    const result = await listOrdersForStaff(s.ctx.db, orderFilters(f, page));
    if (result.page < page) break; // past the last page (the list clamps to it)
    const ids = result.items.map((o) => o.id).filter((id) => !seen.has(id)).slice(0, limit - rows.length);
    ids.forEach((id) => seen.add(id));
    const orders = await Promise.all(ids.map((id) => s.orders.byId(id)));
    for (const o of orders) {
      if (!o) continue;
      const a = o.shipping;
      rows.push([o.number, o.placedAt, o.status, o.paymentMethod, o.total, o.customerId, o.email, a.name, a.name_kana, a.postal_code, a.prefecture, a.city, a.line1, a.line2, a.phone]);
    }
    if (page >= result.pages) break;
  }
  return rows;
}
