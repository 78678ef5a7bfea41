import type { TaxClass } from '../catalog/tables.ts';
import type { ShopSettings } from '../settings/settings.ts';

export type TaxRate = 8 | 10;
export type TaxRounding = ShopSettings['tax_rounding'];

/** Standard goods 10%, reduced-rate goods (food and drink) 8%. Shipping and payment fees are standard. */
export function taxRateOf(taxClass: TaxClass): TaxRate {
  return taxClass === 'reduced' ? 8 : 10;
}
export const feeTaxRate: TaxRate = 10;

/**
 * The consumption tax contained in a tax-inclusive amount: amount × rate / (100 + rate), rounded
 * as the shop chose. Integer arithmetic only (quotient and remainder), so no float can misround.
 */
export function taxIncludedIn(amount: number, rate: TaxRate, rounding: TaxRounding): number {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`tax: amount must be a non-negative integer, got ${amount}`);
  const numerator = amount * rate;
  if (!Number.isSafeInteger(numerator)) throw new RangeError('tax: amount too large');
  const denominator = 100 + rate;
  const remainder = numerator % denominator;
  const quotient = (numerator - remainder) / denominator;
  if (remainder === 0) return quotient;
  switch (rounding) {
    case 'floor':
      return quotient;
    case 'ceil':
      return quotient + 1;
    case 'round':
      return remainder * 2 >= denominator ? quotient + 1 : quotient;
  }
}

export interface TaxableAmount {
  rate: TaxRate;
  /** tax-inclusive JPY */
  amount: number;
}

/** The per-rate figures a qualified invoice (適格請求書) must show. */
export interface InvoiceTax {
  taxable10: number;
  tax10: number;
  taxable8: number;
  tax8: number;
}

/**
 * Sums the tax-inclusive amounts per rate and rounds the tax once per rate for the whole invoice
 * (消費税法施行令70条の10): rounding each line and adding the results is not allowed.
 */
export function invoiceTax(amounts: readonly TaxableAmount[], rounding: TaxRounding): InvoiceTax {
  let taxable10 = 0;
  let taxable8 = 0;
  for (const { rate, amount } of amounts) {
    if (rate === 10) taxable10 += amount;
    else taxable8 += amount;
  }
  return { taxable10, tax10: taxIncludedIn(taxable10, 10, rounding), taxable8, tax8: taxIncludedIn(taxable8, 8, rounding) };
}
