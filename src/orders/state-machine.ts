import type { OrderStatus } from './tables.ts';

/**
 * The order life cycle, as pure functions.
 *
 *   awaiting_payment → paid → shipped → delivered
 *   awaiting_payment → shipped            (cash on delivery only: the carrier collects the money,
 *                                          so for COD `delivered` also means paid)
 *   awaiting_payment → cancelled          (nothing was paid: stock returns)
 *   paid → refunded                       (cancelling a paid order IS the refund: stock returns)
 *   shipped | delivered → refunded        (goods are out: stock is counted back by hand)
 *
 * A paid order is never simply "cancelled": `cancelled` means no money changed hands, so a paid
 * order can only leave through `refunded`, which records that the money went back.
 */
export const orderStatuses = ['awaiting_payment', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'] as const satisfies readonly OrderStatus[];

/** What the payment method allows; cash on delivery ships first and is paid at the door. */
export interface PaymentTerms {
  shipsBeforePayment: boolean;
}

export interface TransitionEffects {
  /** Put the reserved stock back: the goods never left the shop. */
  releaseStock: boolean;
  /** The money arrives with this step (bank transfer confirmed, or the COD parcel handed over). */
  marksPaid: boolean;
  /** The mail the customer receives, if any. */
  mail: 'shipped' | 'cancelled' | 'refunded' | null;
}

export type RefusalReason = 'unchanged' | 'illegal' | 'paid_needs_refund' | 'cod_only';
export type TransitionCheck = { ok: true; effects: TransitionEffects } | { ok: false; reason: RefusalReason };

const none: TransitionEffects = { releaseStock: false, marksPaid: false, mail: null };

export function checkTransition(from: OrderStatus, to: OrderStatus, terms: PaymentTerms): TransitionCheck {
  const cod = terms.shipsBeforePayment;
  if (from === to) return { ok: false, reason: 'unchanged' };
  switch (`${from}>${to}`) {
    case 'awaiting_payment>paid':
      return { ok: true, effects: { ...none, marksPaid: true } };
    case 'awaiting_payment>cancelled':
      return { ok: true, effects: { ...none, releaseStock: true, mail: 'cancelled' } };
    case 'awaiting_payment>shipped':
      return cod ? { ok: true, effects: { ...none, mail: 'shipped' } } : { ok: false, reason: 'cod_only' };
    case 'paid>shipped':
      return { ok: true, effects: { ...none, mail: 'shipped' } };
    case 'paid>cancelled':
      return { ok: false, reason: 'paid_needs_refund' };
    case 'paid>refunded':
      return { ok: true, effects: { ...none, releaseStock: true, mail: 'refunded' } };
    case 'shipped>delivered':
      return { ok: true, effects: { ...none, marksPaid: cod } };
    case 'shipped>refunded':
    case 'delivered>refunded':
      return { ok: true, effects: { ...none, mail: 'refunded' } };
    default:
      return { ok: false, reason: 'illegal' };
  }
}

/** The states staff may move an order to next (the buttons on the admin order page). */
export function nextStatuses(from: OrderStatus, terms: PaymentTerms): OrderStatus[] {
  return orderStatuses.filter((to) => checkTransition(from, to, terms).ok);
}

const progress: Record<OrderStatus, number> = { awaiting_payment: 0, paid: 1, shipped: 2, delivered: 3, cancelled: 9, refunded: 9 };

/** Whether a refused move would go back in the life cycle ("戻す") rather than skip or branch. */
export function isBackwards(from: OrderStatus, to: OrderStatus): boolean {
  return progress[to] < progress[from];
}

/** Orders whose money has been received, for the receipt's wording. */
export function isPaid(status: OrderStatus, paidAt: Date | null): boolean {
  return paidAt !== null && (status === 'paid' || status === 'shipped' || status === 'delivered');
}
