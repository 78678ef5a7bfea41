import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { Vault } from '../vault/index.ts';
import { requireVault } from '../vault/bound.ts';
import { openEventNote, openOrderRow } from './encrypted-fields.ts';
import { ownsOrder } from './policy.ts';
import { toOrderView, type OrderSummary, type OrderView } from './model.ts';
import type { OrderViewer } from './service.ts';
import type { OrderStatus } from './tables.ts';

/** The whole order, its personal columns decrypted in memory: every page, mail, invoice and API answer reads it here. */
export async function orderById(db: Db, vault: Vault, id: number): Promise<OrderView | null> {
  const row = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const lines = await db.selectFrom('order_line').selectAll().where('order_id', '=', row.id).orderBy('id').execute();
  return toOrderView(await openOrderRow(vault, row), lines);
}

export async function ownerOfNumber(db: Db, number: string): Promise<{ id: number; customerId: number | null; accessTokenHash: string | null } | null> {
  if (!/^\d{8}-\d{1,12}$/.test(number)) return null;
  const row = await db.selectFrom('orders').select(['id', 'customer_id', 'access_token_hash']).where('number', '=', number).executeTakeFirst();
  return row ? { id: row.id, customerId: row.customer_id, accessTokenHash: row.access_token_hash } : null;
}

/** T4: only the order's owner may see it (`policy.ts`, the one ownership rule). */
export function canView(order: Pick<OrderView, 'customerId' | 'accessTokenHash'>, viewer: OrderViewer): boolean {
  return ownsOrder(order, { customerId: viewer.customerId, tokenHash: viewer.accessTokenHash });
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pages: number;
}

export async function ordersOfCustomer(db: Db, customerId: number, page: number, perPage: number): Promise<Page<OrderSummary>> {
  const base = db.selectFrom('orders').where('customer_id', '=', customerId);
  const { n } = await base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  const pages = Math.max(1, Math.ceil(n / perPage));
  const current = Math.min(Math.max(1, page), pages);
  const rows = await base
    .select(['id', 'number', 'status', 'payment_method', 'placed_at', 'total'])
    .select((eb) => eb.selectFrom('order_line').select(sql<number>`coalesce(sum(quantity), 0)::int`.as('q')).whereRef('order_line.order_id', '=', 'orders.id').as('item_count'))
    .orderBy('placed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(perPage)
    .offset((current - 1) * perPage)
    .execute();
  return {
    items: rows.map((r) => ({ id: r.id, number: r.number, status: r.status, paymentMethod: r.payment_method, placedAt: r.placed_at, total: r.total, itemCount: r.item_count ?? 0 })),
    total: n,
    page: current,
    pages,
  };
}

export interface OrderEventView {
  fromStatus: OrderStatus | null;
  toStatus: OrderStatus;
  staffName: string | null;
  note: string;
  createdAt: Date;
}

export async function eventsOf(db: Db, orderId: number): Promise<OrderEventView[]> {
  const rows = await db
    .selectFrom('order_event')
    .leftJoin('staff', 'staff.id', 'order_event.staff_id')
    .select(['order_event.id', 'order_event.from_status', 'order_event.to_status', 'order_event.note', 'order_event.created_at', 'staff.name as staff_name'])
    .where('order_event.order_id', '=', orderId)
    .orderBy('order_event.id')
    .execute();
  const vault = requireVault(db, 'order history'); // ctx.db carries it
  const out: OrderEventView[] = [];
  for (const r of rows) out.push({ fromStatus: r.from_status, toStatus: r.to_status, staffName: r.staff_name, note: await openEventNote(vault, r.id, r.note), createdAt: r.created_at });
  return out;
}
