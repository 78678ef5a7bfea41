import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { OrdersService } from './service.ts';

const graceDays = 1;

/**
 * Cancels bank-transfer orders whose payment deadline passed (plus a day's grace for transfers
 * made on the last day), which returns their stock: otherwise unpaid orders would hold stock for
 * ever, and anyone could empty the shop's shelves with fake orders. Each cancellation is an order
 * event like a staff action and mails the customer.
 */
export async function expireUnpaidBankTransfers(db: Db, orders: Pick<OrdersService, 'transition'>, deadlineDays: number, guestDeadlineHours?: number): Promise<number> {
  const due = await db
    .selectFrom('orders')
    .select(['id', 'locale'])
    .where('status', '=', 'awaiting_payment')
    .where('payment_method', '=', 'bank_transfer')
    .where((eb) =>
      eb.or([
        eb('placed_at', '<', sql<Date>`now() - make_interval(days => ${deadlineDays + graceDays})`),
        // Issue 10: a guest order (placed with a cart token, no account) gives its stock back after the guest deadline.
        ...(guestDeadlineHours === undefined ? [] : [eb.and([eb('access_token_hash', 'is not', null), eb('placed_at', '<', sql<Date>`now() - make_interval(hours => ${guestDeadlineHours})`)])]),
      ]),
    )
    .orderBy('id')
    .limit(500)
    .execute();
  let cancelled = 0;
  for (const order of due) {
    const note = order.locale === 'en' ? 'Cancelled automatically: payment deadline passed.' : 'お支払い期限を過ぎたため自動でキャンセルしました。';
    try {
      await orders.transition(order.id, 'cancelled', null, note, { expectedFrom: 'awaiting_payment', locale: order.locale });
      cancelled += 1;
    } catch {
      // Paid or changed by staff in the meantime: leave it.
    }
  }
  return cancelled;
}
