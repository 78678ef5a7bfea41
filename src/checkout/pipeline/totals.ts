import type { PurchaseProcessor } from './context.ts';

export const totals: PurchaseProcessor = (ctx) => {
  ctx.total = ctx.itemsTotal + ctx.shippingFee + ctx.paymentFee;
};
