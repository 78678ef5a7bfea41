import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';

export const customersPerPage = 50;

function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page of customers, newest first, optionally filtered by e-mail, name or kana. Pages are
 * bounded, so no single request returns the whole customer list (T4).
 */
export async function searchCustomers(db: Db, opts: { q: string; page: number }) {
  let query = db.selectFrom('customer').select(['id', 'name', 'name_kana', 'email', 'phone', 'created_at']);
  if (opts.q) {
    const pattern = likePattern(opts.q);
    query = query.where((eb) => eb.or([eb('email', 'ilike', pattern), eb('name', 'ilike', pattern), eb('name_kana', 'ilike', pattern)]));
  }
  const rows = await query
    .orderBy('id', 'desc')
    .limit(customersPerPage + 1)
    .offset((opts.page - 1) * customersPerPage)
    .execute();
  return { customers: rows.slice(0, customersPerPage), hasNext: rows.length > customersPerPage };
}

export async function customerDetail(db: Db, id: number) {
  const customer = await db.selectFrom('customer').select(['id', 'name', 'name_kana', 'email', 'phone', 'locale', 'created_at', 'last_sign_in_at']).where('id', '=', id).executeTakeFirst();
  if (!customer) return null;
  // Admin read of another domain's table, allowed for dashboards: only the count.
  const { n } = await db.selectFrom('orders').select(sql<number>`count(*)::int`.as('n')).where('customer_id', '=', id).executeTakeFirstOrThrow();
  return { ...customer, orderCount: n };
}
