import { z } from 'zod';

/** The GS1 check digit for the first 7 (EAN-8) or 12 (EAN-13) digits. */
export function janCheckDigit(body: string): number {
  let sum = 0;
  // Weights 3,1,3,1… from the rightmost body digit.
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

export function isValidJan(code: string): boolean {
  if (!/^(\d{8}|\d{13})$/.test(code)) return false;
  return janCheckDigit(code.slice(0, -1)) === Number(code.slice(-1));
}

export function withCheckDigit(body: string): string {
  return body + String(janCheckDigit(body));
}

/** An optional JAN (EAN-8/EAN-13) form field: blank means none; full-width digits and hyphens are tolerated. */
export const janField = z.preprocess(
  (v) => (typeof v === 'string' ? v.normalize('NFKC').replace(/[-\s]/g, '') : v ?? ''),
  z.string().refine((v) => v === '' || isValidJan(v), { error: 'jan' }).transform((v) => (v === '' ? null : v)),
);
