import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';

/** Guest carts untouched this long are deleted (customer carts stay with the account). */
export const guestCartDays = 30;

/** Deletes stale guest carts, so anonymous writes cannot pile up for ever. */
export async function purgeStaleCarts(db: Db): Promise<{ carts: number }> {
  const carts = await db
    .deleteFrom('cart')
    .where('customer_id', 'is', null)
    .where('updated_at', '<', sql<Date>`now() - make_interval(days => ${guestCartDays})`)
    .executeTakeFirst();
  return { carts: Number(carts.numDeletedRows) };
}
