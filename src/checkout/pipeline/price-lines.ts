import type { PurchaseProcessor } from './context.ts';

/** Prices come from the catalog as of now (the cart view was just read), never from the client. */
export const priceLines: PurchaseProcessor = (ctx) => {
  ctx.lines = ctx.cart.lines.map((l) => ({
    variantId: l.variantId,
    sku: l.sku,
    productName: l.productName,
    variantName: l.variantName,
    taxRate: l.taxRate,
    unitPrice: l.unitPrice,
    quantity: l.quantity,
    lineTotal: l.unitPrice * l.quantity,
  }));
  ctx.itemsTotal = ctx.lines.reduce((sum, l) => sum + l.lineTotal, 0);
};
