import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Vault } from '../vault/index.ts';
import { openOrderStatuses } from '../identity/customers/retention.ts';
import { orderPersonalColumns, sealOrder, type OrderPersonalValues } from './encrypted-fields.ts';

/**
 * Retention of orders (T3). Japanese accounting law (法人税法 帳簿書類の保存) keeps an order's number, dates,
 * amounts, tax per rate and lines for 7 years; it does not need who the buyer was or where they live. So an order
 * whose buyer is gone (erased account, or a guest order older than the retention period) keeps all of that and
 * the prefecture (shipping-fee and regional tax reports), and loses its name, kana, address, phone, e-mail, note
 * and guest link: each personal column becomes an encryption of '' (what every reader of the column expects),
 * the blind indexes are cleared, and `personal_data_erased_at` is set. Open orders are never touched.
 */
const open = sql.join([...openOrderStatuses]);

/** Orders to anonymise: those of the given customers, and guest orders placed before the cut-off. */
export async function ordersToAnonymise(db: Kysely<Database>, opts: { customerIds: number[]; cutoff: Date }): Promise<Array<{ id: number; customerId: number | null }>> {
  const rows = await db
    .selectFrom('orders')
    .select(['id', 'customer_id'])
    .where(sql<boolean>`personal_data_erased_at is null and status not in (${open})`)
    .where((eb) => eb.or([...(opts.customerIds.length ? [eb('customer_id', 'in', opts.customerIds)] : []), eb.and([eb('customer_id', 'is', null), eb('placed_at', '<', opts.cutoff)])]))
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, customerId: r.customer_id }));
}

/** The replacement ciphertexts, made before the transaction (the vault may read its keys from the database). */
export async function sealErasedOrders(vault: Vault, ids: number[]): Promise<Map<number, OrderPersonalValues>> {
  const empty = Object.fromEntries(orderPersonalColumns.map((c) => [c, ''])) as OrderPersonalValues;
  const out = new Map<number, OrderPersonalValues>();
  for (const id of ids) out.set(id, await sealOrder(vault, id, empty));
  return out;
}

/** Anonymises the orders inside the caller's transaction; skips any that became open or were done meanwhile. */
export async function anonymiseOrders(trx: Kysely<Database>, sealed: Map<number, OrderPersonalValues>, at: Date): Promise<number> {
  let n = 0;
  for (const [id, values] of sealed) {
    const r = await trx
      .updateTable('orders')
      .set({ ...values, email_bidx: null, phone_bidx: null, name_tokens: [], access_token_hash: null, customer_id: null, updated_at: at })
      .set(sql`personal_data_erased_at`, at)
      .where('id', '=', id)
      .where(sql<boolean>`personal_data_erased_at is null and status not in (${open})`)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) {
      // Staff notes on status changes may quote the buyer (a phone call, a delivery problem).
      await trx.updateTable('order_event').set({ note: '' }).where('order_id', '=', id).execute();
      n += 1;
    }
  }
  return n;
}

/** Orders past the legal retention age (and not open), for deletion with their lines, events and payment records. */
export async function ordersToDelete(db: Kysely<Database>, placedBefore: Date): Promise<number[]> {
  const rows = await db.selectFrom('orders').select('id').where('placed_at', '<', placedBefore).where(sql<boolean>`status not in (${open})`).orderBy('id').execute();
  return rows.map((r) => r.id);
}

export async function deleteOrders(trx: Kysely<Database>, ids: number[]): Promise<number> {
  if (!ids.length) return 0;
  // card_payment and payment_refund reference orders without ON DELETE CASCADE (a payment must not vanish by accident).
  await trx.deleteFrom('payment_refund').where('order_id', 'in', ids).execute();
  await trx.deleteFrom('card_payment').where('order_id', 'in', ids).execute();
  const r = await trx.deleteFrom('orders').where('id', 'in', ids).executeTakeFirst();
  return Number(r.numDeletedRows);
}
