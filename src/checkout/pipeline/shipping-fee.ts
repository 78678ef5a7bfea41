import { shippingMethod } from '../../shipping/registry.ts';
import { t } from '../messages.ts';
import type { PurchaseProcessor } from './context.ts';

/** The fee of the chosen method to the address, for a parcel the size of the order's largest product (issue 16). */
export const shippingFee: PurchaseProcessor = (ctx) => {
  const method = shippingMethod(ctx.input.shippingMethod);
  const size = Math.max(60, ...ctx.cart.lines.map((l) => l.shippingSize ?? 60));
  const fee = method?.fee(ctx.input.shipping.prefecture, ctx.itemsTotal, ctx.settings, size) ?? null;
  if (fee === null) ctx.errors.shipping_method = t(ctx.locale, 'noDelivery');
  else ctx.shippingFee = fee;
};
