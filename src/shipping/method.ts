import type { Locale } from '../platform/i18n/index.ts';
import type { ShopSettings } from '../settings/settings.ts';

/**
 * A way of delivering an order. Operators swap or add methods by listing them in `registry.ts`;
 * checkout only ever talks to this interface.
 */
export interface ShippingMethod {
  /** Stable id stored on the order (`orders.shipping_method`) and submitted by forms and the API. */
  readonly id: string;
  label(locale: Locale): string;
  /** One line for the checkout form: how the fee is worked out (before the address is known). */
  description(locale: Locale, settings: ShopSettings): string;
  /**
   * The tax-inclusive fee in JPY (taxed at 10%) for delivering items worth `itemsTotal` to a
   * prefecture (its Japanese name, e.g. 東京都) in a parcel of `size` (三辺合計 cm, default 60);
   * null when this method does not deliver there.
   */
  fee(prefecture: string, itemsTotal: number, settings: ShopSettings, size?: number): number | null;
}
