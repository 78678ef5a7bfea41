import { offeredPaymentMethods } from '../../orders/payment-methods/registry.ts';
import { t } from '../messages.ts';
import type { PurchaseProcessor } from './context.ts';

/** The payment fee depends on everything before it (e.g. cash on delivery on the amount collected). */
export const paymentFee: PurchaseProcessor = (ctx) => {
  // Only what the shop offers now (issue 11: hosted-page methods as chosen in the shop's settings).
  const method = offeredPaymentMethods(ctx.settings).find((m) => m.id === ctx.input.paymentMethod);
  const fee = method?.fee(ctx.itemsTotal - ctx.discount10 - ctx.discount8 + ctx.shippingFee, ctx.settings) ?? null;
  if (fee === null) ctx.errors.payment_method = t(ctx.locale, 'paymentUnavailable');
  else ctx.paymentFee = fee;
};
