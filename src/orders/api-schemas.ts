import { z } from 'zod';
import type { Locale } from '../platform/i18n/index.ts';
import type { ShopSettings } from '../settings/settings.ts';
import type { OrderSummary, OrderView } from './model.ts';
import { paymentLabel, pendingInstructions } from './method-views.ts';
import { orderStatuses } from './state-machine.ts';
import { taxRows } from './views/order-parts.ts';

const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), fields: z.record(z.string(), z.string()).optional() }) });
export const orderApiErrors = { 401: errorSchema, 404: errorSchema };

const yen = (what: string) => z.number().int().describe(`${what}, JPY, tax-inclusive`);

export const orderSummarySchema = z.object({
  number: z.string(),
  status: z.enum(orderStatuses),
  placed_at: z.string().describe('ISO 8601'),
  payment_method: z.string(),
  item_count: z.number().int(),
  total: yen('total'),
});

export const orderListSchema = z.object({ items: z.array(orderSummarySchema), total: z.number().int(), page: z.number().int(), pages: z.number().int() });

export const orderSchema = z.object({
  number: z.string(),
  status: z.enum(orderStatuses),
  placed_at: z.string().describe('ISO 8601'),
  paid_at: z.string().nullable(),
  tracking_number: z.string(),
  email: z.string(),
  shipping_address: z.object({ name: z.string(), name_kana: z.string(), postal_code: z.string(), prefecture: z.string(), city: z.string(), line1: z.string(), line2: z.string(), phone: z.string() }),
  shipping_method: z.string(),
  shipping_fee: yen('shipping'),
  payment_method: z.string(),
  payment_method_label: z.string(),
  payment_fee: yen('payment fee'),
  items_total: yen('items'),
  total: yen('total'),
  tax_breakdown: z.array(z.object({ rate: z.union([z.literal(10), z.literal(8)]), taxable: yen('amount at this rate'), tax: z.number().int().describe('consumption tax included in it') })),
  invoice_number: z.string().nullable().describe('qualified-invoice issuer registration number (T + 13 digits)'),
  note: z.string(),
  lines: z.array(
    z.object({ sku: z.string(), product_name: z.string(), variant_name: z.string(), tax_rate: z.union([z.literal(8), z.literal(10)]), unit_price: yen('price when ordered'), quantity: z.number().int(), line_total: yen('line') }),
  ),
  payment_instructions: z
    .object({ title: z.string(), details: z.array(z.object({ label: z.string(), value: z.string() })), notes: z.array(z.string()) })
    .nullable()
    .describe('what is left to do to pay; null when nothing is'),
});

export function orderSummaryJson(o: OrderSummary): z.infer<typeof orderSummarySchema> {
  return { number: o.number, status: o.status, placed_at: o.placedAt.toISOString(), payment_method: o.paymentMethod, item_count: o.itemCount, total: o.total };
}

export function orderJson(o: OrderView, shop: ShopSettings, l: Locale): z.infer<typeof orderSchema> {
  return {
    number: o.number,
    status: o.status,
    placed_at: o.placedAt.toISOString(),
    paid_at: o.paidAt?.toISOString() ?? null,
    tracking_number: o.trackingNumber,
    email: o.email,
    shipping_address: o.shipping,
    shipping_method: o.shippingMethod,
    shipping_fee: o.shippingFee,
    payment_method: o.paymentMethod,
    payment_method_label: paymentLabel(o.paymentMethod, l),
    payment_fee: o.paymentFee,
    items_total: o.itemsTotal,
    total: o.total,
    tax_breakdown: taxRows(o),
    invoice_number: o.invoiceNumber,
    note: o.note,
    lines: o.lines.map((x) => ({ sku: x.sku, product_name: x.productName, variant_name: x.variantName, tax_rate: x.taxRate, unit_price: x.unitPrice, quantity: x.quantity, line_total: x.lineTotal })),
    payment_instructions: pendingInstructions(o, shop, l),
  };
}
