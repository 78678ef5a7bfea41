import type { CatalogService } from '../../catalog/service.ts';
import type { Db } from '../../platform/db/database.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { queueMail } from '../../platform/mail/mailer.ts';
import type { ShopSettings } from '../../settings/settings.ts';
import { refusalMessage, statusLabel } from '../format.ts';
import { confirmationMail, newOrderNoticeMail, paymentReceivedMail, statusMail } from '../mail/order-mails.ts';
import { t } from '../messages.ts';
import type { OrderView } from '../model.ts';
import { confirmedOnPayment, termsOf } from '../method-views.ts';
import { sealEventNote } from '../encrypted-fields.ts';
import { orderById } from '../queries.ts';
import { checkTransition } from '../state-machine.ts';
import type { Vault } from '../../vault/index.ts';
import type { OrderStatus } from '../tables.ts';

export interface TransitionInput {
  orderId: number;
  to: OrderStatus;
  staffId: number | null;
  note: string;
  /** The status the staff member was looking at: if it changed meanwhile, nothing is done. */
  expectedFrom?: OrderStatus;
  trackingNumber?: string;
  /** The carrier of the tracking number (shipping/carriers.ts). */
  carrier?: string;
  /** Language of the refusal message. */
  locale: Locale;
}

export interface TransitionDeps {
  catalog: Pick<CatalogService, 'releaseStock'>;
  /** Read before the transaction (see PlaceDeps.shop). */
  shop: ShopSettings;
  publicUrl: string;
  vault: Vault;
}

/**
 * Moves an order to its next state. The order row is locked first, so of two concurrent
 * transitions the second sees the first's result and is checked against it.
 */
export async function transitionOrder(db: Db, deps: TransitionDeps, input: TransitionInput): Promise<OrderView> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('orders').select(['id', 'status', 'payment_method', 'paid_at']).where('id', '=', input.orderId).forUpdate().executeTakeFirst();
    if (!row) throw new AppError('not_found');
    if (input.expectedFrom && row.status !== input.expectedFrom) {
      throw new AppError('conflict', { message: t(input.locale, 'refused_stale', { status: statusLabel(row.status, input.locale) }) });
    }
    const check = checkTransition(row.status, input.to, termsOf(row.payment_method));
    if (!check.ok) throw new AppError('conflict', { message: refusalMessage(check.reason, row.status, input.to, input.locale) });

    const now = new Date();
    await trx
      .updateTable('orders')
      .set({
        status: input.to,
        updated_at: now,
        ...(check.effects.marksPaid && !row.paid_at ? { paid_at: now } : {}),
        ...(input.to === 'shipped' && input.trackingNumber ? { tracking_number: input.trackingNumber, carrier: input.carrier ?? '' } : {}),
      })
      .where('id', '=', row.id)
      .execute();
    const eventId = await deps.vault.nextRowId(trx, 'order_event');
    const note = await sealEventNote(deps.vault, eventId, input.note); // staff notes may quote the buyer (T1)
    await trx.insertInto('order_event').values({ id: eventId, order_id: row.id, from_status: row.status, to_status: input.to, staff_id: input.staffId, note, created_at: now }).execute();

    const order = (await orderById(trx, deps.vault, row.id))!;
    if (check.effects.releaseStock) {
      // Lines whose variant was deleted since have nothing to return to.
      const lines = order.lines.flatMap((x) => (x.variantId === null ? [] : [{ variantId: x.variantId, quantity: x.quantity }]));
      if (lines.length) await deps.catalog.releaseStock(trx, lines);
    }
    const online = confirmedOnPayment(row.payment_method);
    if (row.status === 'awaiting_payment' && input.to === 'paid') {
      // Card: the provider confirmed the payment, so the order is now confirmed to the shopper and announced to the
      // shop. Bank transfer: the shopper hears that the money arrived.
      if (online) {
        await queueMail(trx, confirmationMail(order, deps.shop, deps.publicUrl));
        await queueMail(trx, newOrderNoticeMail(order, deps.shop, deps.publicUrl));
      } else await queueMail(trx, paymentReceivedMail(order, deps.shop, deps.publicUrl));
    }
    // An unpaid card order was never confirmed to the shopper (they saw the decline on screen): no cancellation mail.
    const unconfirmed = online && row.status === 'awaiting_payment' && input.to === 'cancelled';
    if (check.effects.mail && !unconfirmed) await queueMail(trx, statusMail(check.effects.mail, order, deps.shop, deps.publicUrl));
    return order;
  });
}
