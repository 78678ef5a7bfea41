import { formatYen } from '../platform/i18n/index.ts';
import { feeRange, parcelSizeFor, regionOf } from '../settings/shipping-config.ts';
import type { ShippingMethod } from './method.ts';
import { t } from './messages.ts';

/** 宅配便: the rate of the delivery prefecture's region for the parcel's size, as set in the console (issue 16). */
export const standardDelivery: ShippingMethod = {
  id: 'standard',
  label: (locale) => t(locale, 'standardLabel'),
  description(locale, settings) {
    const { min, max } = feeRange(settings.shipping);
    const range = t(locale, 'standardDescription', { min: formatYen(min, locale), max: formatYen(max, locale) });
    const threshold = settings.free_shipping_threshold;
    return threshold === null ? range : `${range} ${t(locale, 'freeOver', { threshold: formatYen(threshold, locale) })}`;
  },
  fee(prefecture, itemsTotal, settings, size = 60) {
    const region = regionOf(settings.shipping, prefecture);
    if (!region) return null;
    const threshold = settings.free_shipping_threshold;
    if (threshold !== null && itemsTotal >= threshold) return 0;
    return region.rates[`${parcelSizeFor(size)}`];
  },
};
