import { z } from 'zod';
import { addressFields, email, optionalText, postalCodeMatchesPrefecture } from '../platform/http/fields.ts';
import { parseInput, type FieldErrors } from '../platform/http/forms.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { paymentMethodIds } from '../orders/payment-methods/registry.ts';
import { shippingMethodIds } from '../shipping/registry.ts';
import { timeSlotIds } from '../settings/shipping-config.ts';
import type { CheckoutInput } from './pipeline/context.ts';

/** The checkout form's field names: stable, because the browser test and the review page's hidden fields use them. */
export const formFieldNames = ['email', 'name', 'name_kana', 'postal_code', 'prefecture', 'city', 'line1', 'line2', 'phone', 'shipping_method', 'delivery_slot', 'payment_method', 'note', 'coupon_code'] as const;
export type FormValues = Partial<Record<(typeof formFieldNames)[number] | 'address_id', string>>;

const choice = (ids: [string, ...string[]]) => z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.enum(ids, { error: 'choice' }));
export const shippingMethodField = choice(shippingMethodIds);
export const paymentMethodField = choice(paymentMethodIds);
export const noteField = optionalText(1000);
/** Issue 16: a carrier time slot id or empty; whether the shop offers it is the pipeline's check. */
export const deliverySlotField = z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.enum(['', ...timeSlotIds], { error: 'choice' }));
/** A client-made random key per order attempt (the review page's is 256-bit). */
export const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{16,100}$/);

const checkoutFormSchema = z.object({ email, ...addressFields, shipping_method: shippingMethodField, delivery_slot: deliverySlotField, payment_method: paymentMethodField, note: noteField, coupon_code: optionalText(40) }).superRefine(postalCodeMatchesPrefecture);

/** The submitted strings, kept to re-render the form as typed (anything else in the body is ignored). */
export function formValues(body: unknown): FormValues {
  const src = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const out: FormValues = {};
  for (const name of [...formFieldNames, 'address_id'] as const) {
    const v = src[name];
    if (typeof v === 'string') out[name] = v.slice(0, 2000);
  }
  return out;
}

export function parseCheckoutForm(values: FormValues, locale: Locale): { ok: true; input: CheckoutInput } | { ok: false; errors: FieldErrors } {
  const parsed = parseInput(checkoutFormSchema, values, locale);
  if (!parsed.ok) return parsed;
  const d = parsed.data;
  return {
    ok: true,
    input: {
      email: d.email,
      shipping: { name: d.name, name_kana: d.name_kana, postal_code: d.postal_code, prefecture: d.prefecture, city: d.city, line1: d.line1, line2: d.line2, phone: d.phone },
      shippingMethod: d.shipping_method,
      deliverySlot: d.delivery_slot,
      paymentMethod: d.payment_method,
      note: d.note,
      couponCode: d.coupon_code,
    },
  };
}

/** The checked input as form values, for the review page's hidden fields. */
export function inputValues(input: CheckoutInput): FormValues {
  return { email: input.email, ...input.shipping, shipping_method: input.shippingMethod, delivery_slot: input.deliverySlot ?? '', payment_method: input.paymentMethod, note: input.note, coupon_code: input.couponCode ?? '' };
}
