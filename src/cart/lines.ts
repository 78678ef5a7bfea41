import type { VariantForSale } from '../catalog/service.ts';
import { taxRateOf } from '../tax/consumption-tax.ts';
import type { CartItemRow } from './repository.ts';
import type { CartLine, CartView, LineProblem } from './service.ts';

/** The most of one variant a cart line may hold (the cart_item check constraint). */
export const maxLineQuantity = 99;

/** Prices every line at today's price and marks what cannot be bought as it stands. */
export function buildCartView(cartId: number, items: CartItemRow[], variants: Map<number, VariantForSale>): CartView {
  const lines: CartLine[] = [];
  for (const item of items) {
    const v = variants.get(item.variantId);
    if (!v) continue; // deleted variants cascade out of carts; a race just hides the line
    const problem = problemOf(v, item.quantity);
    lines.push({
      variantId: v.variantId,
      productSlug: v.productSlug,
      productName: v.productName,
      variantName: v.variantName,
      sku: v.sku,
      taxRate: taxRateOf(v.taxClass),
      unitPrice: v.price,
      quantity: item.quantity,
      lineTotal: v.price * item.quantity,
      available: problem === null,
      problem,
      stock: v.stock,
      shippingSize: v.shippingSize,
    });
  }
  return {
    id: cartId,
    lines,
    itemCount: lines.reduce((n, l) => n + l.quantity, 0),
    itemsTotal: lines.reduce((n, l) => n + l.lineTotal, 0),
    blocked: lines.some((l) => !l.available),
  };
}

function problemOf(v: VariantForSale, quantity: number): LineProblem | null {
  if (!v.published) return 'unpublished';
  if (v.stock <= 0) return 'sold_out';
  if (v.stock < quantity) return 'short';
  return null;
}
