import { shippingMethod } from '../../shipping/registry.ts';
import { t } from '../messages.ts';
import type { PurchaseProcessor } from './context.ts';

export const shippingFee: PurchaseProcessor = (ctx) => {
  const method = shippingMethod(ctx.input.shippingMethod);
  const fee = method?.fee(ctx.input.shipping.prefecture, ctx.itemsTotal, ctx.settings) ?? null;
  if (fee === null) ctx.errors.shipping_method = t(ctx.locale, 'noDelivery');
  else ctx.shippingFee = fee;
};
