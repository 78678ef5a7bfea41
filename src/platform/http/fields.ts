import { z } from 'zod';
import { prefectures } from '../jp/prefectures.ts';
import { prefecturesOfPostalCode } from '../jp/postal-codes.ts';

/** Reusable, Japanese-aware field schemas. Text is trimmed; digits typed full-width are accepted (NFKC). */
const nfkc = (v: unknown) => (typeof v === 'string' ? v.normalize('NFKC').trim() : v);
const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);

export const text = (max: number, min = 1) => z.preprocess(trimmed, z.string().min(min).max(max));
export const optionalText = (max: number) => z.preprocess((v) => (v === undefined || v === null ? '' : trimmed(v)), z.string().max(max));

export const email = z.preprocess((v) => (typeof v === 'string' ? v.normalize('NFKC').trim().toLowerCase() : v), z.string().min(1).max(254).pipe(z.email({ error: 'email' })));

export const postalCode = z.preprocess(
  nfkc,
  z
    .string()
    .min(1)
    .transform((v) => v.replace(/[-‐−ー\s〒]/g, ''))
    .pipe(z.string().regex(/^\d{7}$/, { error: 'postal_code' }))
    .transform((v) => `${v.slice(0, 3)}-${v.slice(3)}`),
);

export const phone = z.preprocess(
  nfkc,
  z
    .string()
    .min(1)
    .transform((v) => v.replace(/[-‐−ー\s()（）]/g, ''))
    .pipe(z.string().regex(/^0\d{9,10}$/, { error: 'phone' })),
);

export const prefecture = z.preprocess(trimmed, z.enum(prefectures.map((p) => p.ja) as [string, ...string[]], { error: 'prefecture' }));

export const kana = z.preprocess(
  (v) => (typeof v === 'string' ? v.normalize('NFKC').trim() : v === undefined ? '' : v),
  z.string().max(100).regex(/^[\p{Script=Katakana}\p{Script=Hiragana}ー・\s]*$/u, { error: 'kana' }),
);

/** A whole number typed in a form (full-width digits and thousands separators accepted); blank is "required". */
export const intFromForm = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.normalize('NFKC').replace(/[,\s]/g, '') || undefined : v),
    z
      .string({ error: 'required' })
      .regex(/^-?\d{1,12}$/, { error: 'integer' })
      .transform(Number)
      .pipe(z.number().min(min).max(max)),
  );

export const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true || v === '1', z.boolean());

/** A Japanese shipping address, shared by checkout, the address book and the API. */
export const addressFields = {
  name: text(100),
  name_kana: kana,
  postal_code: postalCode,
  prefecture,
  city: text(100),
  line1: text(200),
  line2: optionalText(200),
  phone,
};
/**
 * The postal code and the prefecture must agree (060-0001 is in 北海道, never 沖縄県): the prefecture sets
 * the shipping fee. A code the postal data does not know (a large office's own code) is not refused.
 */
export function postalCodeMatchesPrefecture(a: { postal_code: string; prefecture: string }, ctx: z.RefinementCtx) {
  const expected = prefecturesOfPostalCode(a.postal_code);
  if (expected.length && !expected.includes(a.prefecture)) {
    ctx.addIssue({ code: 'custom', path: ['prefecture'], message: 'postal_prefecture', params: { postal: a.postal_code, expected: expected.join('・') } });
  }
}

export const addressSchema = z.object(addressFields).superRefine(postalCodeMatchesPrefecture);
export type Address = z.output<typeof addressSchema>;
