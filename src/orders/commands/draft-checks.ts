import { AppError } from '../../platform/http/errors.ts';
import type { OrderDraft } from '../service.ts';

/** The largest order total accepted (the amount columns are 32-bit; a real order this large is a phone call). */
export const maxOrderTotal = 100_000_000;

/** A shopper-facing limit, checked before the consistency checks below. */
export function assertWithinLimits(d: OrderDraft): void {
  if (d.total > maxOrderTotal || d.lines.some((x) => x.lineTotal > maxOrderTotal)) {
    throw new AppError('validation', {
      message:
        d.locale === 'en'
          ? 'Orders of more than ¥100,000,000 cannot be placed online. Please reduce the quantities or contact the shop.'
          : '1億円を超えるご注文はオンラインでは承れません。数量を減らすか、ショップにお問い合わせください。',
    });
  }
}

/**
 * The amounts in a draft become a qualified invoice the shop must stand by, so they are checked
 * for internal consistency before anything is written. A failure is a bug in the caller, not bad
 * input: it throws a plain error (HTTP 500) rather than recording a wrong invoice.
 */
export function assertDraftConsistent(d: OrderDraft): void {
  const fail = (why: string) => {
    throw new TypeError(`inconsistent order draft: ${why}`);
  };
  const isYen = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!d.idempotencyKey || d.idempotencyKey.length > 200) fail('idempotency key');
  if (d.customerId === null && !d.accessTokenHash) fail('a guest order needs an access token hash');
  if (!d.lines.length) fail('no lines');
  for (const x of d.lines) {
    if (!Number.isSafeInteger(x.quantity) || x.quantity <= 0) fail(`quantity of ${x.sku}`);
    if (!isYen(x.unitPrice) || x.lineTotal !== x.unitPrice * x.quantity) fail(`line total of ${x.sku}`);
    if (x.taxRate !== 8 && x.taxRate !== 10) fail(`tax rate of ${x.sku}`);
  }
  for (const n of [d.itemsTotal, d.shippingFee, d.paymentFee, d.total, d.taxable10, d.tax10, d.taxable8, d.tax8]) if (!isYen(n)) fail('amounts must be non-negative whole yen');
  if (d.itemsTotal !== d.lines.reduce((s, x) => s + x.lineTotal, 0)) fail('items total');
  // Issue 16: a coupon discount is split by tax rate and never exceeds that rate's goods.
  const d10 = d.discount10 ?? 0;
  const d8 = d.discount8 ?? 0;
  if (!isYen(d10) || !isYen(d8)) fail('discounts must be non-negative whole yen');
  if (d.total !== d.itemsTotal - d10 - d8 + d.shippingFee + d.paymentFee) fail('total');
  // Shipping and payment fees are standard-rated: only reduced-rate goods count towards the 8% total.
  const reduced = d.lines.filter((x) => x.taxRate === 8).reduce((s, x) => s + x.lineTotal, 0);
  if (d8 > reduced || d10 > d.itemsTotal - reduced) fail('discount above the goods of its rate');
  if (d.taxable8 !== reduced - d8 || d.taxable10 !== d.total - d.taxable8) fail('per-rate totals');
  // Tax is rounded once per rate (floor, round or ceil): always within one yen of the exact amount.
  if (Math.abs(d.tax10 - (d.taxable10 * 10) / 110) >= 1 || Math.abs(d.tax8 - (d.taxable8 * 8) / 108) >= 1) fail('consumption tax');
}
