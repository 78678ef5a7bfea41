import { z } from 'zod';
import { checkbox, intFromForm, optionalText, text } from '../platform/http/fields.ts';
import { janField } from './jan.ts';

const slug = (max: number) =>
  z.preprocess((v) => (typeof v === 'string' ? v.normalize('NFKC').trim().toLowerCase() : v), z.string().min(1).max(max).regex(/^[a-z0-9-]+$/, { error: 'slug' }));

/** Whole numbers in forms: see intFromForm. */
export const wholeNumber = intFromForm;
const position = z.preprocess((v) => (v === '' || v === undefined ? '0' : v), wholeNumber(-100000, 100000));

const optionalId = z.preprocess((v) => (v === '' || v === undefined ? null : v), z.coerce.number().int().positive().nullable());

export const productSchema = z.object({
  slug: slug(80),
  name_ja: text(200),
  name_en: text(200),
  description_ja: optionalText(5000),
  description_en: optionalText(5000),
  category_id: optionalId,
  tax_class: z.enum(['standard', 'reduced'], { error: 'choice' }),
  published: checkbox,
  position,
  // Issue 16: the parcel size it ships in (a form without the field keeps the carriers' smallest, 60).
  shipping_size: z.preprocess((v) => (v === '' || v === undefined ? '60' : v), z.coerce.number().pipe(z.union([z.literal(60), z.literal(80), z.literal(100), z.literal(120), z.literal(140), z.literal(160)], { error: 'choice' }))),
});
export type ProductInput = z.output<typeof productSchema>;

const variantFields = {
  sku: z.preprocess((v) => (typeof v === 'string' ? v.normalize('NFKC').trim() : v), z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, { error: 'invalid' })),
  name_ja: text(100),
  name_en: text(100),
  price: wholeNumber(0, 10_000_000),
  jan_code: janField,
};
export const newVariantSchema = z.object({ ...variantFields, stock: wholeNumber(0, 1_000_000) });
// Editing never sets stock outright: that could overwrite units taken by a checkout meanwhile.
export const variantSchema = z.object(variantFields);
export type VariantInput = z.output<typeof variantSchema>;

export const stockAdjustSchema = z.object({ delta: wholeNumber(-1_000_000, 1_000_000).refine((n) => n !== 0, { error: 'invalid' }) });

export const categorySchema = z.object({
  slug: slug(64),
  name_ja: text(100),
  name_en: text(100),
  position,
});
export type CategoryInput = z.output<typeof categorySchema>;

export const imageAltSchema = z.object({ alt_ja: optionalText(200), alt_en: optionalText(200) });

/** PostgreSQL unique violation (e.g. a slug or SKU taken between our check and the insert). */
export function isUniqueViolation(err: unknown, constraintPart: string): boolean {
  const e = err as { code?: string; constraint?: string; message?: string } | null;
  return e?.code === '23505' && `${e.constraint ?? ''} ${e.message ?? ''}`.includes(constraintPart);
}
