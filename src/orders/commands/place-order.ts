import { storedIdempotencyKey } from '../idempotency-key.ts';
import { sql } from 'kysely';
import type { CatalogService } from '../../catalog/service.ts';
import { paymentMethod } from '../payment-methods/registry.ts';
import type { Db } from '../../platform/db/database.ts';
import { AppError } from '../../platform/http/errors.ts';
import { queueMail } from '../../platform/mail/mailer.ts';
import type { ShopSettings } from '../../settings/settings.ts';
import { maskCardNumbers } from '../../platform/card-numbers/card-numbers.ts';
import { jstIsoDay } from '../format.ts';
import { confirmationMail, newOrderNoticeMail } from '../mail/order-mails.ts';
import { confirmedOnPayment } from '../method-views.ts';
import type { OrderView } from '../model.ts';
import type { OrderDraft, PlacedOrder } from '../service.ts';
import { ownsOrder } from '../policy.ts';
import type { Vault } from '../../vault/index.ts';
import { orderIndexes, sealOrder } from '../encrypted-fields.ts';
import { assertDraftConsistent, assertWithinLimits } from './draft-checks.ts';

export type AfterInsert = (trx: Db, orderId: number) => Promise<void>;

export interface PlaceDeps {
  catalog: Pick<CatalogService, 'reserveStock' | 'checkStock'>;
  /** CHECKOUT_LOCK_TIMEOUT_MS: how long the stock update may wait for a hot item's row lock (then 503 busy, nothing changed). */
  lockTimeoutMs?: number;
  /** Read before the transaction: on PGlite a `db` read inside it would wait forever. */
  shop: ShopSettings;
  publicUrl: string;
  vault: Vault;
}

/**
 * Places an order atomically and idempotently. Two identical submits are serialized on an advisory
 * lock for their key, so the second finds the first's order; a unique violation on the key (a race
 * that slipped past, e.g. another code path) also resolves to the existing order.
 */
export async function placeOrder(db: Db, deps: PlaceDeps, draft: OrderDraft, afterInsert?: AfterInsert): Promise<PlacedOrder> {
  assertWithinLimits(draft);
  assertDraftConsistent(draft);
  try {
    return await db.transaction().execute(async (trx) => {
      // Issue 18: every lock this checkout waits for (a twin submit's key, the order lines' product rows, the stock
      // row) is waited for at most CHECKOUT_LOCK_TIMEOUT_MS; then 55P03, 503 busy, and the transaction rolls back.
      if (deps.lockTimeoutMs) await sql`select set_config('lock_timeout', ${`${Math.trunc(deps.lockTimeoutMs)}ms`}, true)`.execute(trx);
      await sql`select pg_advisory_xact_lock(hashtextextended(${`order:${draft.idempotencyKey}`}, 0))`.execute(trx);
      const existing = await existingOrder(trx, draft.idempotencyKey);
      if (existing) return sameOwnerOrRefuse(existing, draft);
      const stockLines = draft.lines.map((x) => ({ variantId: x.variantId, quantity: x.quantity }));
      await deps.catalog.checkStock(trx, stockLines); // sold out already: answered now, without the work below

      const placedAt = new Date();
      const number = await nextOrderNumber(trx, placedAt);
      const order = await insertOrder(trx, deps.vault, draft, number, placedAt);
      await afterInsert?.(trx, order.id);
      // A card order is confirmed (and announced to the shop) when the provider confirms the payment (transition-order).
      if (!confirmedOnPayment(draft.paymentMethod)) {
        await queueMail(trx, confirmationMail(order, deps.shop, deps.publicUrl));
        await queueMail(trx, newOrderNoticeMail(order, deps.shop, deps.publicUrl));
      }
      // Issue 18: the stock update comes last. Buyers of a hot item serialize on its variant row from this UPDATE to
      // COMMIT, so everything slow (encryption, the order's rows, the mail) is done before the lock is taken, and
      // the lock is held for one UPDATE and the commit. Sold out: everything above rolls back with it.
      await deps.catalog.reserveStock(trx, stockLines);
      return { id: order.id, number, created: true };
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const existing = await existingOrder(db, draft.idempotencyKey);
    if (!existing) throw err;
    return sameOwnerOrRefuse(existing, draft);
  }
}

async function existingOrder(db: Db, key: string) {
  return db.selectFrom('orders').select(['id', 'number', 'customer_id', 'access_token_hash']).where('idempotency_key', '=', storedIdempotencyKey(key)).executeTakeFirst();
}

/** T4: a key reused by someone else must not reveal (or hand over) the order it placed. */
function sameOwnerOrRefuse(existing: { id: number; number: string; customer_id: number | null; access_token_hash: string | null }, draft: OrderDraft): PlacedOrder {
  const claimant = { customerId: draft.customerId, tokenHash: draft.accessTokenHash };
  if (!ownsOrder({ customerId: existing.customer_id, accessTokenHash: existing.access_token_hash }, claimant)) throw new AppError('conflict');
  return { id: existing.id, number: existing.number, created: false };
}

/** e.g. 20261121-1001: the day in Japan, then a shop-wide sequence (never reused, never reset). */
async function nextOrderNumber(trx: Db, placedAt: Date): Promise<string> {
  const { rows } = await sql<{ n: string }>`select nextval('order_number_seq')::text as n`.execute(trx);
  return `${jstIsoDay(placedAt).replaceAll('-', '')}-${rows[0]!.n}`;
}

async function insertOrder(trx: Db, vault: Vault, d: OrderDraft, number: string, placedAt: Date): Promise<OrderView> {
  const note = maskCardNumbers(d.note); // T2: a card number typed into the note is never stored
  const status = paymentMethod(d.paymentMethod)?.initialStatus ?? 'awaiting_payment';
  const personal = {
    email: d.email,
    ship_name: d.shipping.name,
    ship_name_kana: d.shipping.name_kana,
    ship_postal_code: d.shipping.postal_code,
    ship_city: d.shipping.city,
    ship_line1: d.shipping.line1,
    ship_line2: d.shipping.line2,
    ship_phone: d.shipping.phone,
    note,
  };
  // T1/T4: personal columns are stored as ciphertexts bound to this row's id, which is therefore taken first.
  const id = await vault.nextRowId(trx, 'orders');
  const row = await trx
    .insertInto('orders')
    .values({
      id,
      ...(await sealOrder(vault, id, personal)),
      ...orderIndexes(vault, personal),
      number,
      status,
      customer_id: d.customerId,
      access_token_hash: d.accessTokenHash,
      idempotency_key: storedIdempotencyKey(d.idempotencyKey),
      locale: d.locale,
      ship_prefecture: d.shipping.prefecture,
      shipping_method: d.shippingMethod,
      delivery_slot: d.deliverySlot ?? null,
      shipping_fee: d.shippingFee,
      payment_method: d.paymentMethod,
      payment_fee: d.paymentFee,
      items_total: d.itemsTotal,
      total: d.total,
      taxable_10: d.taxable10,
      tax_10: d.tax10,
      taxable_8: d.taxable8,
      tax_8: d.tax8,
      discount_10: d.discount10 ?? 0,
      discount_8: d.discount8 ?? 0,
      coupon_code: d.couponCode ?? null,
      invoice_number: d.invoiceNumber,
      placed_at: placedAt,
      updated_at: placedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('order_line')
    .values(
      d.lines.map((x) => ({
        order_id: row.id,
        variant_id: x.variantId,
        sku: x.sku,
        product_name: x.productName,
        variant_name: x.variantName,
        tax_rate: x.taxRate,
        unit_price: x.unitPrice,
        quantity: x.quantity,
        line_total: x.lineTotal,
      })),
    )
    .execute();
  await trx.insertInto('order_event').values({ order_id: row.id, from_status: null, to_status: status, staff_id: null, created_at: placedAt }).execute();
  return {
    id: row.id,
    number,
    status,
    customerId: d.customerId,
    accessTokenHash: d.accessTokenHash,
    email: d.email,
    locale: d.locale,
    placedAt,
    paidAt: null,
    trackingNumber: '',
    carrier: '',
    shipping: d.shipping,
    shippingMethod: d.shippingMethod,
    deliverySlot: d.deliverySlot ?? null,
    shippingFee: d.shippingFee,
    paymentMethod: d.paymentMethod,
    paymentFee: d.paymentFee,
    itemsTotal: d.itemsTotal,
    total: d.total,
    taxable10: d.taxable10,
    tax10: d.tax10,
    taxable8: d.taxable8,
    tax8: d.tax8,
    discount10: d.discount10 ?? 0,
    discount8: d.discount8 ?? 0,
    couponCode: d.couponCode ?? null,
    invoiceNumber: d.invoiceNumber,
    note,
    lines: d.lines.map((x) => ({ ...x })),
  };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
