import { z } from 'zod';
import type { CartView } from './service.ts';

/** The error body every API route answers with (see the root error handler). */
export const apiErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), fields: z.record(z.string(), z.string()).optional() }),
});

export const cartLineSchema = z.object({
  variant_id: z.number().int(),
  product_slug: z.string(),
  product_name: z.string(),
  variant_name: z.string(),
  sku: z.string(),
  tax_rate: z.union([z.literal(8), z.literal(10)]),
  unit_price: z.number().int().describe('JPY, tax-inclusive, today’s price'),
  quantity: z.number().int(),
  line_total: z.number().int(),
  available: z.boolean(),
  problem: z.enum(['unpublished', 'sold_out', 'short']).nullable().describe('why the line cannot be bought as it stands'),
});

export const cartSchema = z.object({
  item_count: z.number().int(),
  items_total: z.number().int().describe('JPY, tax-inclusive'),
  blocked: z.boolean().describe('true while any line is unavailable; checkout refuses until fixed'),
  lines: z.array(cartLineSchema),
});

export function cartJson(cart: CartView): z.infer<typeof cartSchema> {
  return {
    item_count: cart.itemCount,
    items_total: cart.itemsTotal,
    blocked: cart.blocked,
    lines: cart.lines.map((l) => ({
      variant_id: l.variantId,
      product_slug: l.productSlug,
      product_name: l.productName,
      variant_name: l.variantName,
      sku: l.sku,
      tax_rate: l.taxRate,
      unit_price: l.unitPrice,
      quantity: l.quantity,
      line_total: l.lineTotal,
      available: l.available,
      problem: l.problem,
    })),
  };
}

export const apiErrors = { 401: apiErrorSchema, 404: apiErrorSchema, 409: apiErrorSchema, 422: apiErrorSchema, 503: apiErrorSchema.describe('busy or briefly unavailable: nothing was changed; try again after Retry-After seconds') };
export const cartSecurity: Array<Record<string, string[]>> = [{ customerToken: [] }, { cartToken: [] }];
