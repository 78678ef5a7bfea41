import type { CartOwner } from '../../cart/service.ts';
import { defineMessages, type Locale } from '../../platform/i18n/index.ts';
import type { ResponseSwitches } from '../../platform/switches.ts';
import { allPaymentMethods } from '../../orders/payment-methods/registry.ts';
import type { PaymentsService } from '../service.ts';
import { t } from './messages.ts';
import type { PaymentClient } from './service.ts';

const tg = defineMessages({
  ja: {
    cardOff: '一時的にご利用いただけません',
    cardOffBody: 'ただいまクレジットカードでのお支払いを一時的に停止しています。銀行振込または代金引換をお選びください。カード情報が当店に送られることはありません。',
    allOff: '安全確認のため、ただいまご注文の受け付けを一時的に停止しています。しばらくしてから、もう一度お試しください。',
  },
  en: {
    cardOff: 'temporarily unavailable',
    cardOffBody: 'Card payment is temporarily unavailable. Please choose bank transfer or cash on delivery. Your card details are never sent to us.',
    allOff: 'For a security check we are not taking orders right now. Please try again a little later.',
  },
});

export function paymentClientOf(owner: CartOwner, ip: string): PaymentClient {
  return { cartKey: owner.customerId !== null ? `c:${owner.customerId}` : owner.tokenHash ? `g:${owner.tokenHash}` : null, ip };
}

/**
 * T1 fail closed: the payment methods switched off by an integrity finding (file, payment page, CSP on a
 * payment page), with the shopper's message: card always, bank transfer and cash on delivery too unless
 * INTEGRITY_KEEP_OTHER_PAYMENTS allows them (the default). Checkout shows these as unavailable at the
 * payment-method step, before any card form could be reached.
 */
/** What the gate reads from the integrity service (passed in: payments sits below integrity). */
export interface CardCheckoutGate {
  switches: Pick<ResponseSwitches, 'engaged'>;
  integrity: { cardCheckoutAllowed(): { allowed: boolean }; config: { keepOtherPaymentsOnFinding: boolean } };
}

export function paymentMethodsOff(gate: CardCheckoutGate, locale: Locale): Record<string, { label: string; message: string }> {
  const { switches, integrity } = gate;
  const card = { label: tg(locale, 'cardOff'), message: tg(locale, 'cardOffBody') };
  // Issue 13: an owner stopped card payments from the incident console (every instance, within seconds).
  const stopped = switches.engaged('card_payments_stopped');
  if (integrity.cardCheckoutAllowed().allowed) return stopped ? { card } : {};
  if (integrity.config.keepOtherPaymentsOnFinding) return { card };
  const all = { label: tg(locale, 'cardOff'), message: tg(locale, 'allOff') };
  return Object.fromEntries(allPaymentMethods.map((m) => [m.id, all]));
}

/**
 * Checkout asks this before placing an order: null to go ahead, or the message for the shopper
 * (card-testing limit reached, or the method switched off by the integrity checks).
 */
export async function cardCheckoutRefusal(payments: PaymentsService, methodId: string, client: PaymentClient, locale: Locale, gate?: CardCheckoutGate): Promise<{ status: 429 | 409; message: string } | null> {
  const off = gate ? paymentMethodsOff(gate, locale)[methodId] : undefined;
  if (off) return { status: 409, message: off.message };
  if (methodId !== 'card') return null;
  const verdict = await payments.card.admit(client);
  if (verdict === 'ok') return null;
  return verdict === 'limited' ? { status: 429, message: t(locale, 'limitedBody') } : { status: 409, message: tg(locale, 'cardOffBody') };
}
