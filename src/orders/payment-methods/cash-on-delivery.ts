import { formatYen } from '../../platform/i18n/index.ts';
import { defaultShippingConfig, type CodTier } from '../../settings/shipping-config.ts';
import type { ShopSettings } from '../../settings/settings.ts';
import type { PaymentMethod } from './method.ts';
import { t } from './messages.ts';

/** 代金引換 fee tiers by the amount the driver collects (tax-inclusive JPY, fee included): the operator's, in order. */
const tiersOf = (settings?: Pick<ShopSettings, 'shipping'>): readonly CodTier[] => [...(settings?.shipping ?? defaultShippingConfig).cod_tiers].sort((a, b) => a.up_to - b.up_to);

/**
 * The fee for an order whose total before the fee is `amount`. The driver collects
 * amount + fee, so the tier is the first one that the collected sum fits in; null above the last tier.
 */
export function codFee(amount: number, settings?: Pick<ShopSettings, 'shipping'>): number | null {
  for (const tier of tiersOf(settings)) if (amount + tier.fee <= tier.up_to) return tier.fee;
  return null;
}

/** 代金引換: the order may ship before payment; the driver collects the total in cash. */
export const cashOnDelivery: PaymentMethod = {
  id: 'cod',
  label: (locale) => t(locale, 'codLabel'),
  description: (locale, settings) => t(locale, 'codDescription', { max: formatYen(tiersOf(settings).at(-1)!.up_to, locale) }),
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
