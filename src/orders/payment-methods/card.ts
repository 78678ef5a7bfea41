import { formatYen } from '../../platform/i18n/index.ts';
import type { PaymentMethod } from './method.ts';
import { t } from './messages.ts';

/**
 * クレジットカード through the provider's hosted page. This is the method as checkout lists it; the
 * instance that can start a payment is bound to the store's provider in `createPayments()`.
 * T1/T5: the card number is typed on the provider's origin only; omamori never receives it.
 */
export const cardPayment: PaymentMethod = {
  id: 'card',
  label: (locale) => t(locale, 'cardLabel'),
  description: (locale) => t(locale, 'cardDescription'),
  fee: () => 0,
  initialStatus: 'awaiting_payment',
  shipsBeforePayment: false,
  async nextStep() {
    throw new Error('card payments start through PaymentsService.method("card")');
  },
  instructions(locale, order) {
    return {
      title: t(locale, 'cardTitle'),
      details: [
        { label: t(locale, 'amount'), value: formatYen(order.total, locale) },
        { label: t(locale, 'orderNumber'), value: order.number },
      ],
      notes: [t(locale, 'cardPendingNote')],
      // An abandoned 3-D Secure challenge or a declined card leaves the order payable until its session ends.
      action: { label: t(locale, 'cardPayNow'), href: `/checkout/card/pay?order=${encodeURIComponent(order.number)}` },
    };
  },
};
