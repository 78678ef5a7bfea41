import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import { normaliseCouponCode, type CouponForCheckout } from './rules.ts';

/** Whose use counts towards the per-customer limit: the account, or for a guest the e-mail address. */
export function couponCustomerKey(customerId: number | null, email: string): string {
  // T4: a guest's e-mail is kept only as a hash here (the order holds it encrypted).
  return customerId !== null ? `c:${customerId}` : `e:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;
}

export async function findCouponForCheckout(db: Db, rawCode: string, customerKey: string): Promise<CouponForCheckout | null> {
  const code = normaliseCouponCode(rawCode);
  if (!/^[A-Z0-9_-]{3,32}$/.test(code)) return null;
  const c = await db.selectFrom('coupon').selectAll().where('code', '=', code).executeTakeFirst();
  if (!c) return null;
  const uses = await db.selectFrom('coupon_use').select(sql<number>`count(*)::int`.as('n')).where('coupon_id', '=', c.id).where('customer_key', '=', customerKey).executeTakeFirstOrThrow();
  return {
    id: c.id,
    code: c.code,
    kind: c.kind,
    value: c.value,
    minOrder: c.min_order,
    startsAt: c.starts_at,
    endsAt: c.ends_at,
    usageLimit: c.usage_limit,
    perCustomerLimit: c.per_customer_limit,
    usedCount: c.used_count,
    active: c.active,
    customerUses: uses.n,
  };
}

export class CouponClaimRefused extends Error {
  constructor(readonly reason: 'usedUp' | 'perCustomer') {
    super(`coupon claim refused: ${reason}`);
  }
}

/**
 * Claims one use in the order's transaction. The conditional update takes the coupon row's lock, so concurrent
 * orders claim one after another: the total limit can never be exceeded, and the per-customer count read after
 * the lock sees every use committed before it (READ COMMITTED reads a new snapshot per statement).
 * Throws CouponClaimRefused (the order's transaction then rolls back) when a limit is reached.
 */
export async function claimCoupon(trx: Db, couponId: number, orderId: number, customerKey: string): Promise<void> {
  const claimed = await trx
    .updateTable('coupon')
    .set({ used_count: sql<number>`used_count + 1` })
    .where('id', '=', couponId)
    .where((eb) => eb.or([eb('usage_limit', 'is', null), eb('used_count', '<', eb.ref('usage_limit'))]))
    .returning(['per_customer_limit'])
    .executeTakeFirst();
  if (!claimed) throw new CouponClaimRefused('usedUp');
  if (claimed.per_customer_limit !== null) {
    const uses = await trx.selectFrom('coupon_use').select(sql<number>`count(*)::int`.as('n')).where('coupon_id', '=', couponId).where('customer_key', '=', customerKey).executeTakeFirstOrThrow();
    if (uses.n >= claimed.per_customer_limit) throw new CouponClaimRefused('perCustomer');
  }
  await trx.insertInto('coupon_use').values({ coupon_id: couponId, order_id: orderId, customer_key: customerKey }).execute();
}
