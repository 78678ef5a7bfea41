import { formatYen } from '../platform/i18n/index.ts';
import type { PaymentMethod } from './method.ts';
import { t } from './messages.ts';

/** 代金引換 fee tiers by the amount the driver collects (tax-inclusive JPY, fee included). */
export const codFeeTiers: ReadonlyArray<{ upTo: number; fee: number }> = [
  { upTo: 10_000, fee: 330 },
  { upTo: 30_000, fee: 440 },
  { upTo: 100_000, fee: 660 },
  { upTo: 300_000, fee: 1_100 },
];
const maxCollected = codFeeTiers[codFeeTiers.length - 1]!.upTo;

/**
 * The fee for an order whose total before the fee is `amount`. The driver collects
 * amount + fee, so the tier is the first one that the collected sum fits in; null above ¥300,000.
 */
export function codFee(amount: number): number | null {
  for (const tier of codFeeTiers) if (amount + tier.fee <= tier.upTo) return tier.fee;
  return null;
}

/** 代金引換: the order may ship before payment; the driver collects the total in cash. */
export const cashOnDelivery: PaymentMethod = {
  id: 'cod',
  label: (locale) => t(locale, 'codLabel'),
  description: (locale) => t(locale, 'codDescription', { max: formatYen(maxCollected, locale) }),
  fee: codFee,
  initialStatus: 'awaiting_payment',
  shipsBeforePayment: true,
  nextStep: async () => ({ kind: 'confirmation' }),
  instructions(locale, order) {
    return {
      title: t(locale, 'codTitle'),
      details: [
        { label: t(locale, 'amount'), value: formatYen(order.total, locale) },
        { label: t(locale, 'codFee'), value: formatYen(order.paymentFee, locale) },
        { label: t(locale, 'orderNumber'), value: order.number },
      ],
      notes: [t(locale, 'codNote')],
    };
  },
};
