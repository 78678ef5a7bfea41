import type { Db } from '../platform/db/database.ts';
import type { CheckoutTables } from './tables.ts';

// The checkout table is declared here rather than in the shared schema, so this domain stays self-contained.
const withCheckout = (db: Db) => db.withTables<CheckoutTables>();

/** Records, in the order's transaction, that `key` placed `orderId`. */
export async function recordPlacement(trx: Db, key: string, orderId: number): Promise<void> {
  await withCheckout(trx).insertInto('checkout_placement').values({ idempotency_key: key, order_id: orderId }).onConflict((oc) => oc.doNothing()).execute();
}

export async function placedOrderId(db: Db, key: string): Promise<number | null> {
  const row = await withCheckout(db).selectFrom('checkout_placement').select('order_id').where('idempotency_key', '=', key).executeTakeFirst();
  return row?.order_id ?? null;
}
