import { addressMatcher, ipBucket } from '../../platform/http/networks.ts';
import { sql } from 'kysely';
import { raiseAlert } from '../../alerts/raise.ts';
import type { CartOwner } from '../../cart/service.ts';
import type { AppContext } from '../../platform/context.ts';
import type { UnpaidOrderLimits } from '../../platform/config.ts';
import type { Db } from '../../platform/db/database.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { t } from '../messages.ts';

/**
 * Denial of inventory (issue 10): every unpaid order (awaiting payment: bank transfer, cash on delivery before
 * delivery, a card payment not completed) holds stock. Before the order transaction, a new order is refused while
 * the same e-mail (blind index: the address is encrypted), customer, guest cart or client network already has as
 * many unpaid orders as its limit allows (README "Unpaid-order limits"). A refusal is a field error next to the
 * form (422), a warning in the log and an alert, so that detection can turn repeated hits into a ban.
 * Checked before the transaction, so a burst of simultaneous orders may pass the limit by its concurrency.
 */

export type LimitDimension = 'email' | 'customer' | 'cart' | 'network';

let exemptCache: { key: string; matches: (ip: string) => boolean } | null = null;

function isExempt(limits: UnpaidOrderLimits, ip: string): boolean {
  if (!limits.exemptNetworks.length) return false;
  const key = limits.exemptNetworks.join(',');
  if (exemptCache?.key !== key) exemptCache = { key, matches: addressMatcher(limits.exemptNetworks) };
  return exemptCache.matches(ip);
}

const unpaid = (db: Db) => db.selectFrom('orders').select(sql<number>`count(*)::int`.as('n')).where('status', '=', 'awaiting_payment');

async function countsFor(ctx: AppContext, owner: CartOwner, email: string, networkBidx: string | null): Promise<Record<LimitDimension, number | null>> {
  const { db, vault } = ctx;
  const limits = ctx.config.unpaidOrderLimits;
  const one = async (q: ReturnType<typeof unpaid>) => (await q.executeTakeFirstOrThrow()).n;
  return {
    email: limits.perEmail ? await one(unpaid(db).where('email_bidx', '=', vault.emailIndex(email))) : null,
    customer: limits.perCustomer && owner.customerId !== null ? await one(unpaid(db).where('customer_id', '=', owner.customerId)) : null,
    cart: limits.perCart && owner.customerId === null && owner.tokenHash ? await one(unpaid(db).where('access_token_hash', '=', owner.tokenHash)) : null,
    network:
      limits.perNetwork && networkBidx
        ? await one(
            unpaid(db)
              .innerJoin('checkout_network', 'checkout_network.order_id', 'orders.id')
              .where('checkout_network.network_bidx', '=', networkBidx)
              .where('checkout_network.created_at', '>', sql<Date>`now() - make_interval(hours => ${limits.networkWindowHours})`),
          )
        : null,
  };
}

function networkIndex(ctx: AppContext, ip: string | undefined): string | null {
  if (!ip || isExempt(ctx.config.unpaidOrderLimits, ip)) return null;
  return ctx.vault.blindIndex('network', ipBucket(ip)) // an IPv4 address, or an IPv6 /64 (one subscriber's prefix);
}

/**
 * The pipeline step: null when the order may be placed, else the field errors to show. `ip` is req.ip
 * (TRUST_PROXY aware); an exempt network is not counted per network (the other limits still apply).
 */
export async function limitUnpaidOrders(ctx: AppContext, owner: CartOwner, email: string, ip: string | undefined, locale: Locale): Promise<FieldErrors | null> {
  const limits = ctx.config.unpaidOrderLimits;
  const networkBidx = networkIndex(ctx, ip);
  const counts = await countsFor(ctx, owner, email, networkBidx);
  const limitOf: Record<LimitDimension, number> = { email: limits.perEmail, customer: limits.perCustomer, cart: limits.perCart, network: limits.perNetwork };
  const hit = (Object.keys(counts) as LimitDimension[]).find((d) => counts[d] !== null && counts[d]! >= limitOf[d]);
  if (!hit) return null;
  // A signal for detection (T5-style abuse): which limit, never the e-mail or the address.
  ctx.log.warn({ limit: hit, count: counts[hit], max: limitOf[hit] }, 'checkout: unpaid-order limit reached');
  await raiseAlert(ctx.db, {
    kind: 'unpaid_order_limit',
    severity: 'medium',
    title: '未入金注文の上限に達した注文を拒否しました / order refused: unpaid-order limit reached',
    detail: { limit: hit, max: limitOf[hit], key: hit === 'network' ? networkBidx : hit === 'email' ? ctx.vault.emailIndex(email) : hit === 'customer' ? owner.customerId : owner.tokenHash?.slice(0, 16) },
    fingerprint: `unpaid-order-limit:${hit}`,
  }).catch((err: unknown) => ctx.log.error({ err }, 'unpaid-order limit alert failed'));
  const message = t(locale, 'unpaidLimit', { max: limitOf[hit] });
  return hit === 'email' ? { email: message } : { payment_method: message };
}

/** After the order is placed: the network it came from (blind index only), counted by later checks. */
export async function recordOrderNetwork(ctx: AppContext, orderId: number, ip: string | undefined): Promise<void> {
  const networkBidx = networkIndex(ctx, ip);
  if (!networkBidx) return;
  // The order is placed already: a failure here must not turn it into an error page.
  await ctx.db
    .insertInto('checkout_network')
    .values({ order_id: orderId, network_bidx: networkBidx })
    .onConflict((oc) => oc.column('order_id').doNothing())
    .execute()
    .catch((err: unknown) => ctx.log.error({ err, orderId }, 'checkout: could not record the order network'));
}
