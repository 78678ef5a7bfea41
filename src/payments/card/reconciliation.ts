import type { OrdersService } from '../../orders/service.ts';
import type { OrderStatus } from '../../orders/tables.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { AsyncInstructions, HostedMethod, PaymentProvider } from '../provider.ts';
import type { CardPaymentStatus } from '../tables.ts';
import { cardLimits } from './attempts.ts';
import { mailInstructions } from './instructions.ts';

/** One hosted payment as stored (card_payment): the provider's references and what we last read. */
export type PaymentRow = {
  id: number;
  order_id: number;
  order_number: string;
  provider: string;
  method: HostedMethod;
  session_id: string;
  payment_intent_id: string | null;
  status: CardPaymentStatus;
  amount: number;
  amount_refunded: number;
  capture_method: 'automatic' | 'manual';
  pay_deadline: Date | null;
  pay_instructions: string | null;
};

export const rowCols = ['id', 'order_id', 'order_number', 'provider', 'method', 'session_id', 'payment_intent_id', 'status', 'amount', 'amount_refunded', 'capture_method', 'pay_deadline', 'pay_instructions'] as const;

/** Still payable (or being paid): a new submit reuses the session, the shopper may cancel. */
export const live: CardPaymentStatus[] = ['open', 'processing', 'failed'];
const received: CardPaymentStatus[] = ['paid', 'partially_refunded', 'authorized'];

export function instructionsOf(row: Pick<PaymentRow, 'pay_instructions'>): AsyncInstructions | null {
  if (!row.pay_instructions) return null;
  const i = JSON.parse(row.pay_instructions) as AsyncInstructions & { deadline: string | null };
  return { ...i, deadline: i.deadline ? new Date(i.deadline) : null };
}

/**
 * Reconciliation: the provider is the truth. A payment is read back server-to-server (after a webhook, on the
 * shopper's return, on a schedule) and the order moves once per change; a return URL is never proof of payment.
 */
export function createReconciliation(ctx: AppContext, deps: { orders: OrdersService; providerOf(row: Pick<PaymentRow, 'provider'>): PaymentProvider; shopName(): Promise<string> }) {
  const { db, log } = ctx;

  const latestRow = (orderId: number) => db.selectFrom('card_payment').select(rowCols).where('order_id', '=', orderId).orderBy('id', 'desc').executeTakeFirst() as Promise<PaymentRow | undefined>;

  async function move(orderId: number, from: OrderStatus, to: OrderStatus, note: string): Promise<boolean> {
    try {
      await deps.orders.transition(orderId, to, null, note, { expectedFrom: from });
      return true;
    } catch (err) {
      if (err instanceof AppError && err.code === 'conflict') return false; // someone else applied it first
      throw err;
    }
  }

  async function applyToOrder(row: PaymentRow, orderStatus: OrderStatus, status: CardPaymentStatus, ref: string | null): Promise<CardPaymentStatus> {
    const note = `${row.method === 'card' ? 'card' : row.method} ${status}${ref ? ` (${ref})` : ''}`;
    if (orderStatus === 'cancelled' && (received.includes(status) || status === 'refunded')) {
      // Money arrived for an order that was already given up: staff must refund it (shown on the order page).
      if (status === 'refunded') return status;
      log.warn({ order: row.order_number, status }, 'payment for a cancelled order');
      return 'needs_attention';
    }
    if (status === 'paid' || status === 'partially_refunded') {
      if (orderStatus === 'awaiting_payment') await move(row.order_id, 'awaiting_payment', 'paid', note);
    } else if (status === 'refunded') {
      if (orderStatus === 'awaiting_payment') await move(row.order_id, 'awaiting_payment', 'paid', note);
      const now = orderStatus === 'awaiting_payment' ? 'paid' : orderStatus;
      if (now === 'paid' || now === 'shipped' || now === 'delivered') await move(row.order_id, now, 'refunded', note);
    } else if (status === 'expired' || status === 'voided') {
      // Failed/abandoned/expired (a コンビニ決済 past its deadline too): nothing was paid, so the order is cancelled and its stock returns.
      if (orderStatus === 'awaiting_payment') await move(row.order_id, 'awaiting_payment', 'cancelled', note);
    }
    return status;
  }

  /** Reads the payment from its provider, stores what we keep, and moves the order (each change once). */
  async function reconcile(row: PaymentRow): Promise<{ status: CardPaymentStatus; url: string | null; instructions: AsyncInstructions | null }> {
    const snap = await deps.providerOf(row).readPayment(row.session_id);
    let status: CardPaymentStatus = snap.state;
    const order = await deps.orders.byId(row.order_id);
    if (order) status = await applyToOrder(row, order.status, status, snap.paymentRef);
    const instructions = snap.instructions;
    await db
      .updateTable('card_payment')
      .set({
        status,
        payment_intent_id: snap.paymentRef ?? row.payment_intent_id,
        amount_refunded: snap.paymentRef ? snap.amountRefunded : row.amount_refunded,
        // T5: only brand, last 4 and expiry are kept, for the receipt and the order page.
        ...(snap.card ? { card_brand: snap.card.brand, card_last4: snap.card.last4, card_exp_month: snap.card.expMonth, card_exp_year: snap.card.expYear } : {}),
        ...(snap.method ? { method: snap.method } : {}),
        ...(instructions ? { pay_instructions: JSON.stringify(instructions), pay_deadline: instructions.deadline } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', row.id)
      .execute();
    // The shopper gets the payment number by mail once, the first time the provider tells us it.
    if (instructions && !row.pay_instructions && order && status === 'processing') await mailInstructions(ctx, order, instructions, await deps.shopName());
    return { status, url: snap.url, instructions: instructions ?? instructionsOf(row) };
  }

  // A webhook that never arrives (store down longer than the provider retries) must not leave an order waiting
  // with its stock reserved: sessions past their expiry, and payments waiting for cash (コンビニ決済, Pay-easy),
  // are read back from the provider, which cancels them once their deadline has passed.
  ctx.scheduler.every('card-payment-reconcile', 10 * 60_000, async () => {
    await reconcileStale();
  });

  async function reconcileStale(now = new Date()): Promise<number> {
    const stale = new Date(now.getTime() - (cardLimits.sessionMinutes + 10) * 60_000);
    const rows = (await db.selectFrom('card_payment').select(rowCols).where('status', 'in', [...live, 'authorized']).where('created_at', '<', stale).orderBy('updated_at').limit(100).execute()) as PaymentRow[];
    for (const row of rows) {
      try {
        const { status } = await reconcile(row);
        // Still open past its time (a provider whose sessions outlive ours): closed here, so the order's stock returns.
        if (status === 'open' || status === 'failed') {
          await deps.providerOf(row).closeSession(row.session_id);
          await reconcile(row);
        }
      } catch (err) {
        log.warn({ err: (err as Error).message, order: row.order_number }, 'payment could not be reconciled');
      }
    }
    return rows.length;
  }

  return { latestRow, move, reconcile, reconcileStale };
}
export type Reconciliation = ReturnType<typeof createReconciliation>;
