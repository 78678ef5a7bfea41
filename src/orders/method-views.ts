import type { Locale } from '../platform/i18n/index.ts';
import type { PaymentInstructions } from './payment-methods/method.ts';
import { paymentMethod } from './payment-methods/registry.ts';
import { shippingMethod } from '../shipping/registry.ts';
import { timeSlotLabel } from '../settings/time-slots.ts';
import type { ShopSettings } from '../settings/settings.ts';
import type { OrderView } from './model.ts';
import type { PaymentTerms } from './state-machine.ts';

/** How an order's payment and shipping methods read and behave, from their registries. */
export function paymentLabel(methodId: string, locale: Locale): string {
  // An order keeps its method id even if the shop stops offering it: show the id then.
  return paymentMethod(methodId)?.label(locale) ?? methodId;
}

export function shippingLabel(methodId: string, locale: Locale, deliverySlot?: string | null): string {
  const label = shippingMethod(methodId)?.label(locale) ?? methodId;
  // Issue 16: the packer sees the chosen 時間帯 with the method.
  return deliverySlot ? `${label}（${locale === 'en' ? 'time: ' : '時間帯: '}${timeSlotLabel(deliverySlot, locale)}）` : label;
}

/**
 * Methods paid online at a provider (card): the order is confirmed to the shopper, and announced to the shop,
 * when the provider confirms the payment, never for a declined, failed or abandoned attempt.
 */
export function confirmedOnPayment(methodId: string): boolean {
  return methodId === 'card';
}

export function termsOf(methodId: string): PaymentTerms {
  return { shipsBeforePayment: paymentMethod(methodId)?.shipsBeforePayment ?? false };
}

/** What the customer still has to do to pay, or null when nothing is left to do. */
export function pendingInstructions(order: Pick<OrderView, 'number' | 'status' | 'total' | 'paymentFee' | 'paymentMethod' | 'placedAt' | 'email' | 'locale' | 'accessTokenHash'>, shop: ShopSettings, locale: Locale): PaymentInstructions | null {
  const method = paymentMethod(order.paymentMethod);
  if (!method) return null;
  const owing = order.status === 'awaiting_payment' || (order.status === 'shipped' && method.shipsBeforePayment);
  return owing ? method.instructions(locale, { ...order, guest: order.accessTokenHash !== null }, shop) : null;
}
