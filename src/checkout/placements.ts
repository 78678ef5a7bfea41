import type { Db } from '../platform/db/database.ts';

/** Records, in the order's transaction, that `key` placed `orderId`. */
export async function recordPlacement(trx: Db, key: string, orderId: number): Promise<void> {
  await trx.insertInto('checkout_placement').values({ idempotency_key: key, order_id: orderId }).onConflict((oc) => oc.doNothing()).execute();
}

export async function placedOrderId(db: Db, key: string): Promise<number | null> {
  const row = await db.selectFrom('checkout_placement').select('order_id').where('idempotency_key', '=', key).executeTakeFirst();
  return row?.order_id ?? null;
}
