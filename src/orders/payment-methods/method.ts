import type { Locale } from '../../platform/i18n/index.ts';
import type { OrderStatus } from '../tables.ts';
import type { ShopSettings } from '../../settings/settings.ts';

/** What a payment method needs to know about a placed order. */
export interface OrderForPayment {
  /** the order's id, when known (card payments link their records to it) */
  orderId?: number;
  number: string;
  /** the amount the shopper pays, tax-inclusive JPY, including this method's fee */
  total: number;
  paymentFee: number;
  placedAt: Date;
  email: string;
  locale: Locale;
  /** placed without an account (issue 10: a shorter bank-transfer deadline) */
  guest?: boolean;
  /** who is paying (card-testing limits): the cart owner's key and the client IP */
  client?: { cartKey: string | null; ip: string };
}

/** What the shopper must do to pay, as plain text: the orders domain renders it in pages and mail. */
export interface PaymentInstructions {
  title: string;
  details: Array<{ label: string; value: string }>;
  notes: string[];
  /** A link on the order page that does what is left (card: pay now on the provider's page); a path on the store. */
  action?: { label: string; href: string };
}

/** Where the shopper goes right after the order is placed. */
export type PaymentNextStep =
  /** the order confirmation page, which shows `instructions()` (bank transfer, cash on delivery) */
  | { kind: 'confirmation' }
  /** a hosted payment page on the provider's own origin (card payments with 3-D Secure) */
  | { kind: 'redirect'; url: string };

/**
 * A way of paying. Checkout, orders and the API see only this interface; methods are listed in
 * `registry.ts`. Extension points for a card provider, added later without changing checkout:
 *
 * - `fee()` returns 0 (or the surcharge); `initialStatus` stays 'awaiting_payment' until the
 *   provider confirms the payment.
 * - `nextStep()` creates a payment session server-to-server (amount = order.total, reference =
 *   order.number) and returns `{ kind: 'redirect', url }` to the provider's hosted page, where
 *   the card is entered and 3-D Secure runs. Checkout answers with a 303 to that URL (the API
 *   returns it as `next_step`). T1/T5: card numbers never touch our pages, server or database,
 *   so a tampered storefront cannot skim them and there is nothing stored to steal.
 * - The provider's module registers its own webhook route (e.g. POST /api/payments/<id>/webhook)
 *   that verifies the provider's signature and only then asks the orders domain to mark the order
 *   paid; the shopper's return to our site is never taken as proof of payment.
 * - `instructions()` tells the shopper what is left to do (e.g. "payment pending").
 */
export interface PaymentMethod {
  /** Stable id stored on the order (`orders.payment_method`) and submitted by forms and the API. */
  readonly id: string;
  label(locale: Locale): string;
  /** One or two sentences for the checkout form. */
  description(locale: Locale, settings: ShopSettings): string;
  /**
   * The tax-inclusive fee (taxed at 10%) for an order whose total before this fee is `amount`;
   * null when the method cannot be used for that amount. `settings` carries the operator's 代引き fee tiers
   * (issue 16); without it the default tiers apply.
   */
  fee(amount: number, settings?: Pick<ShopSettings, 'shipping'>): number | null;
  /** The status a new order paid this way starts in. */
  readonly initialStatus: OrderStatus;
  /** Whether the shop may ship before the money arrives (cash on delivery). */
  readonly shipsBeforePayment: boolean;
  nextStep(order: OrderForPayment): Promise<PaymentNextStep>;
  instructions(locale: Locale, order: OrderForPayment, settings: ShopSettings): PaymentInstructions;
}
