import { paymentMethod } from '../../payments/registry.ts';
import { t } from '../messages.ts';
import type { PurchaseProcessor } from './context.ts';

/** The payment fee depends on everything before it (e.g. cash on delivery on the amount collected). */
export const paymentFee: PurchaseProcessor = (ctx) => {
  const method = paymentMethod(ctx.input.paymentMethod);
  const fee = method?.fee(ctx.itemsTotal + ctx.shippingFee) ?? null;
  if (fee === null) ctx.errors.payment_method = t(ctx.locale, 'paymentUnavailable');
  else ctx.paymentFee = fee;
};
