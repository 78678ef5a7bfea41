import { couponDiscount, splitDiscount } from '../../coupons/rules.ts';
import { t } from '../messages.ts';
import type { PurchaseProcessor } from './context.ts';

/**
 * Issue 16: the coupon's discount on the items, split by tax rate so that each rate's taxable amount is after
 * the discount. Runs after the lines are priced and before fees (cash on delivery is on the amount collected).
 */
export const coupon: PurchaseProcessor = (ctx) => {
  if (!ctx.input.couponCode) return;
  const check = couponDiscount(ctx.coupon ?? null, ctx.itemsTotal, ctx.now);
  if (!check.ok) {
    ctx.errors.coupon_code = t(ctx.locale, `coupon_${check.reason}`);
    return;
  }
  const items8 = ctx.lines.filter((l) => l.taxRate === 8).reduce((s, l) => s + l.lineTotal, 0);
  const split = splitDiscount(check.discount, ctx.itemsTotal - items8, items8);
  ctx.discount10 = split.discount10;
  ctx.discount8 = split.discount8;
};
