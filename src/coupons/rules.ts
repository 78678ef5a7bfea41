/** A coupon as checkout sees it, with how often this shopper has used it. */
export interface CouponForCheckout {
  id: number;
  code: string;
  kind: 'percent' | 'amount';
  value: number;
  minOrder: number;
  startsAt: Date | null;
  endsAt: Date | null;
  usageLimit: number | null;
  perCustomerLimit: number | null;
  usedCount: number;
  active: boolean;
  customerUses: number;
}

export type CouponRefusal = 'unknown' | 'inactive' | 'notStarted' | 'ended' | 'minOrder' | 'usedUp' | 'perCustomer';
export type CouponCheck = { ok: true; discount: number } | { ok: false; reason: CouponRefusal };

/** Codes as people type them: full width, lower case, spaces. */
export function normaliseCouponCode(raw: string): string {
  return raw.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

/**
 * The discount on the items (tax-inclusive yen, never more than the items): a percentage is rounded down so the
 * shop never gives more than it announced. Shipping and payment fees are not discounted.
 */
export function couponDiscount(c: CouponForCheckout | null, itemsTotal: number, now: Date): CouponCheck {
  if (!c) return { ok: false, reason: 'unknown' };
  if (!c.active) return { ok: false, reason: 'inactive' };
  if (c.startsAt && now < c.startsAt) return { ok: false, reason: 'notStarted' };
  if (c.endsAt && now >= c.endsAt) return { ok: false, reason: 'ended' };
  if (itemsTotal < c.minOrder) return { ok: false, reason: 'minOrder' };
  if (c.usageLimit !== null && c.usedCount >= c.usageLimit) return { ok: false, reason: 'usedUp' };
  if (c.perCustomerLimit !== null && c.customerUses >= c.perCustomerLimit) return { ok: false, reason: 'perCustomer' };
  const raw = c.kind === 'percent' ? Math.floor((itemsTotal * c.value) / 100) : c.value;
  return { ok: true, discount: Math.min(raw, itemsTotal) };
}

/**
 * A discount over goods of both rates is split in proportion to each rate's goods (値引きは税率ごとに区分して
 * 記載): the 8% share is rounded down, the rest is the 10% share, and neither exceeds its goods.
 */
export function splitDiscount(discount: number, items10: number, items8: number): { discount10: number; discount8: number } {
  const total = items10 + items8;
  if (discount <= 0 || total <= 0) return { discount10: 0, discount8: 0 };
  let discount8 = Math.floor((discount * items8) / total);
  let discount10 = discount - discount8;
  if (discount10 > items10) {
    discount8 += discount10 - items10;
    discount10 = items10;
  }
  return { discount10, discount8: Math.min(discount8, items8) };
}
