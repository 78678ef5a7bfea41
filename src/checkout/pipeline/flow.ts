import type { CartView } from '../../cart/service.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import type { ShopSettings } from '../../settings/settings.ts';
import type { CouponForCheckout } from '../../coupons/rules.ts';
import { consumptionTax } from './consumption-tax.ts';
import { deliverySlot } from './delivery-slot.ts';
import { coupon } from './coupon.ts';
import type { CheckoutInput, PurchaseContext, PurchaseProcessor } from './context.ts';
import { paymentFee } from './payment-fee.ts';
import { priceLines } from './price-lines.ts';
import { rejectCardNumbers } from './reject-card-numbers.ts';
import { shippingFee } from './shipping-fee.ts';
import { totals } from './totals.ts';
import { validateLines } from './validate-lines.ts';

/** The order matters: each fee depends on the amounts decided before it. */
export const purchaseFlow: readonly PurchaseProcessor[] = [validateLines, rejectCardNumbers, priceLines, coupon, shippingFee, deliverySlot, paymentFee, consumptionTax, totals];

/** Runs every processor; the result carries field errors instead of an amount when any refused. */
export function runPurchaseFlow(cart: CartView, input: CheckoutInput, settings: ShopSettings, locale: Locale, found?: { coupon: CouponForCheckout | null; now?: Date }): PurchaseContext {
  const ctx: PurchaseContext = {
    locale,
    settings,
    cart,
    input,
    lines: [],
    itemsTotal: 0,
    shippingFee: 0,
    paymentFee: 0,
    coupon: found?.coupon ?? null,
    now: found?.now ?? new Date(),
    discount10: 0,
    discount8: 0,
    tax: { taxable10: 0, tax10: 0, taxable8: 0, tax8: 0 },
    total: 0,
    errors: {},
  };
  for (const process of purchaseFlow) process(ctx);
  return ctx;
}
