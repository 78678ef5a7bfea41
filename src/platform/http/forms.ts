import { z } from 'zod';
import { defineMessages, type Locale } from '../i18n/index.ts';

/** Field-level validation messages. Schemas name a key here as their `error`; anything else maps by issue code. */
export const validationMessages = defineMessages({
  ja: {
    required: '入力してください。',
    too_short: '{min}文字以上で入力してください。',
    too_long: '{max}文字以内で入力してください。',
    invalid: '入力内容が正しくありません。',
    email: 'メールアドレスの形式が正しくありません（例: hanako@example.jp）。',
    postal_code: '郵便番号は7桁の数字で入力してください（例: 150-0001）。',
    prefecture: '都道府県を選んでください。',
    postal_prefecture: '郵便番号 {postal} は{expected}の番号です。郵便番号か都道府県をご確認ください。',
    phone: '電話番号は10桁か11桁の数字で入力してください（例: 03-1234-5678）。',
    kana: 'フリガナはカタカナかひらがなで入力してください。',
    integer: '整数で入力してください。',
    number_min: '{min}以上の数を入力してください。',
    number_max: '{max}以下の数を入力してください。',
    choice: '選択肢から選んでください。',
    slug: '半角英小文字・数字・ハイフンで入力してください。',
    jan: 'JANコードは8桁か13桁で、チェックデジットが正しいものを入力してください。',
    password_length: 'パスワードは{min}文字以上{max}文字以内で入力してください。',
    invoice_number: '登録番号は「T」と13桁の数字で入力してください（例: T1234567890123）。',
    password_common: 'このパスワードは、よく使われているか過去に流出したもの、または推測されやすい組み合わせのため使えません。ほかの人が思いつかない言葉を3〜4語つなげてみてください（例: 「sakura mochi to ocha」）。',
  },
  en: {
    required: 'Please fill this in.',
    too_short: 'Please enter at least {min} characters.',
    too_long: 'Please enter at most {max} characters.',
    invalid: 'This value is not valid.',
    email: 'Please enter a valid e-mail address (e.g. hanako@example.jp).',
    postal_code: 'Please enter a 7-digit postal code (e.g. 150-0001).',
    prefecture: 'Please choose a prefecture.',
    postal_prefecture: 'Postal code {postal} is in {expected}. Please check the postal code or the prefecture.',
    phone: 'Please enter a 10- or 11-digit phone number (e.g. 03-1234-5678).',
    kana: 'Please write the reading in katakana or hiragana.',
    integer: 'Please enter a whole number.',
    number_min: 'Please enter {min} or more.',
    number_max: 'Please enter {max} or less.',
    choice: 'Please choose one of the options.',
    slug: 'Use lower-case letters, digits and hyphens only.',
    jan: 'A JAN code has 8 or 13 digits with a valid check digit.',
    password_length: 'Passwords must be {min} to {max} characters long.',
    invoice_number: 'The registration number is "T" followed by 13 digits (e.g. T1234567890123).',
    password_common: 'This password is too common, has appeared in a data breach, or is easy to guess. Try joining three or four words that others would not think of (e.g. "sakura mochi to ocha").',
  },
});

export type ValidationKey = Parameters<typeof validationMessages>[1];
export type FieldErrors = Record<string, string>;

/** Converts zod issues into one localized message per field (the first issue wins). */
export function fieldErrors(issues: readonly z.core.$ZodIssue[], locale: Locale): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of issues) {
    const field = issue.path.map(String).join('.') || '_';
    if (!(field in out)) out[field] = messageFor(issue, locale);
  }
  return out;
}

function messageFor(issue: z.core.$ZodIssue, locale: Locale): string {
  const keyed = issue.message as ValidationKey;
  if (keyed in knownKeys) {
    const params: Record<string, number | string> = {};
    if (issue.code === 'custom') for (const [k, v] of Object.entries(issue.params ?? {})) if (typeof v === 'string') params[k] = v;
    if ('minimum' in issue) params.min = Number(issue.minimum);
    if ('maximum' in issue) params.max = Number(issue.maximum);
    return validationMessages(locale, keyed, params);
  }
  switch (issue.code) {
    case 'invalid_type':
      return validationMessages(locale, issue.input === undefined || issue.input === '' ? 'required' : 'invalid');
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? validationMessages(locale, 'required') : validationMessages(locale, 'too_short', { min: Number(issue.minimum) });
      return validationMessages(locale, 'number_min', { min: Number(issue.minimum) });
    case 'too_big':
      if (issue.origin === 'string') return validationMessages(locale, 'too_long', { max: Number(issue.maximum) });
      return validationMessages(locale, 'number_max', { max: Number(issue.maximum) });
    case 'invalid_format':
      return validationMessages(locale, issue.format === 'email' ? 'email' : 'invalid');
    case 'invalid_value':
      return validationMessages(locale, 'choice');
    default:
      return validationMessages(locale, 'invalid');
  }
}

const knownKeys = Object.fromEntries(
  ['required', 'too_short', 'too_long', 'invalid', 'email', 'postal_code', 'prefecture', 'postal_prefecture', 'phone', 'kana', 'integer', 'number_min', 'number_max', 'choice', 'slug', 'jan', 'password_length', 'invoice_number', 'password_common'].map((k) => [k, true]),
);

export type ParseResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/** Validates a submitted form or JSON body with localized, per-field messages. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, locale: Locale): ParseResult<z.output<S>> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, errors: fieldErrors(result.error.issues, locale) };
}
