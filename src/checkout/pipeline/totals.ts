import type { PurchaseProcessor } from './context.ts';

export const totals: PurchaseProcessor = (ctx) => {
  ctx.total = ctx.itemsTotal - ctx.discount10 - ctx.discount8 + ctx.shippingFee + ctx.paymentFee;
};
