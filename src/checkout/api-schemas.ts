import { z } from 'zod';
import type { FieldErrors } from '../platform/http/forms.ts';
import { paymentMethodIds } from '../orders/payment-methods/registry.ts';
import { shippingMethodIds } from '../shipping/registry.ts';
import type { FormValues } from './form.ts';
import type { InvoiceTax } from '../tax/consumption-tax.ts';
import type { PlaceResult, Quote } from './service.ts';

const addressBody = z.object({
  name: z.string().max(100),
  name_kana: z.string().max(100).optional(),
  postal_code: z.string().max(10).describe('7 digits, hyphen optional'),
  prefecture: z.string().max(10).describe('Japanese name, e.g. 東京都'),
  city: z.string().max(100),
  line1: z.string().max(200),
  line2: z.string().max(200).optional(),
  phone: z.string().max(20),
});
const addressKeys = Object.keys(addressBody.shape);

export const checkoutBody = z.object({
  email: z.string().max(254).optional().describe('Required for guests. A signed-in customer’s account address is always used.'),
  shipping_address: addressBody,
  shipping_method: z.enum(shippingMethodIds),
  payment_method: z.enum(paymentMethodIds),
  note: z.string().max(1000).optional().describe('Never put card numbers here: they are refused.'),
  expected_total: z.number().int().min(0).optional().describe('The quoted total; if the total differs now, nothing is placed (409 conflict).'),
});
export type CheckoutBody = z.infer<typeof checkoutBody>;

/** The API body as the storefront form's values, so both are validated by the same rules and messages. */
export function bodyValues(body: CheckoutBody): FormValues {
  return { email: body.email ?? '', ...body.shipping_address, shipping_method: body.shipping_method, payment_method: body.payment_method, note: body.note ?? '' };
}

/** Form field names → API paths (address fields live under shipping_address). */
export function apiFieldErrors(errors: FieldErrors): FieldErrors {
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [addressKeys.includes(k) ? `shipping_address.${k}` : k, v]));
}

const taxSchema = z.array(z.object({ rate: z.union([z.literal(8), z.literal(10)]), taxable: z.number().int().describe('tax-inclusive amount at this rate'), tax: z.number().int() }));

export const quoteSchema = z.object({
  lines: z.array(z.object({ variant_id: z.number().int(), sku: z.string(), product_name: z.string(), variant_name: z.string(), tax_rate: z.union([z.literal(8), z.literal(10)]), unit_price: z.number().int(), quantity: z.number().int(), line_total: z.number().int() })),
  items_total: z.number().int(),
  shipping_fee: z.number().int(),
  payment_fee: z.number().int(),
  total: z.number().int().describe('JPY, tax-inclusive'),
  taxes: taxSchema.describe('qualified-invoice consumption tax, rounded once per rate'),
  invoice_number: z.string().nullable(),
});

export function quoteJson(q: Quote): z.infer<typeof quoteSchema> {
  return {
    lines: q.lines.map((l) => ({ variant_id: l.variantId, sku: l.sku, product_name: l.productName, variant_name: l.variantName, tax_rate: l.taxRate, unit_price: l.unitPrice, quantity: l.quantity, line_total: l.lineTotal })),
    items_total: q.itemsTotal,
    shipping_fee: q.shippingFee,
    payment_fee: q.paymentFee,
    total: q.total,
    taxes: taxesJson(q),
    invoice_number: q.invoiceNumber,
  };
}

export function taxesJson(q: { tax: InvoiceTax }) {
  const out: z.infer<typeof taxSchema> = [];
  if (q.tax.taxable10 > 0) out.push({ rate: 10, taxable: q.tax.taxable10, tax: q.tax.tax10 });
  if (q.tax.taxable8 > 0) out.push({ rate: 8, taxable: q.tax.taxable8, tax: q.tax.tax8 });
  return out;
}

export function placedJson(r: Extract<PlaceResult, { kind: 'placed' }>): z.infer<typeof placedSchema> {
  const t = r.totals;
  return { number: r.order.number, status: r.status, created: r.order.created, items_total: t.itemsTotal, shipping_fee: t.shippingFee, payment_fee: t.paymentFee, total: t.total, taxes: taxesJson(t), next_step: r.next };
}

export const placedSchema = z.object({
  number: z.string(),
  status: z.string(),
  created: z.boolean().describe('false when this Idempotency-Key had already placed the order'),
  items_total: z.number().int(),
  shipping_fee: z.number().int(),
  payment_fee: z.number().int(),
  total: z.number().int().describe('JPY, tax-inclusive'),
  taxes: taxSchema,
  next_step: z.object({ kind: z.enum(['confirmation', 'redirect']), url: z.string().optional() }).describe('redirect: send the shopper to the payment provider’s hosted page'),
});

const methodOption = z.object({ id: z.string(), label: z.string(), description: z.string() });
export const optionsSchema = z.object({ shipping_methods: z.array(methodOption), payment_methods: z.array(methodOption) });
