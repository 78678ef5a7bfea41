import { formatYen } from '../platform/i18n/index.ts';
import { findPrefecture, type Region } from '../platform/jp/prefectures.ts';
import type { ShippingMethod } from './method.ts';
import { t } from './messages.ts';

/** 宅配便 fees per region, tax-inclusive JPY. */
export const standardFees: Readonly<Record<Region, number>> = {
  hokkaido: 1_200,
  tohoku: 900,
  kanto: 800,
  chubu: 800,
  kinki: 900,
  chugoku: 1_000,
  shikoku: 1_000,
  kyushu: 1_100,
  okinawa: 1_800,
};

const feeValues = Object.values(standardFees);

export const standardDelivery: ShippingMethod = {
  id: 'standard',
  label: (locale) => t(locale, 'standardLabel'),
  description(locale, settings) {
    const range = t(locale, 'standardDescription', { min: formatYen(Math.min(...feeValues), locale), max: formatYen(Math.max(...feeValues), locale) });
    const threshold = settings.free_shipping_threshold;
    return threshold === null ? range : `${range} ${t(locale, 'freeOver', { threshold: formatYen(threshold, locale) })}`;
  },
  fee(prefecture, itemsTotal, settings) {
    const found = findPrefecture(prefecture);
    if (!found) return null;
    const threshold = settings.free_shipping_threshold;
    if (threshold !== null && itemsTotal >= threshold) return 0;
    return standardFees[found.region];
  },
};
