import { storedIdempotencyKey } from './idempotency-key.ts';
import type { AppContext } from '../platform/context.ts';
import type { Address } from '../platform/http/fields.ts';
import type { Locale } from '../platform/i18n/index.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { ShopSettingsService } from '../settings/settings.ts';
import type { Db } from '../platform/db/database.ts';
import { placeOrder } from './commands/place-order.ts';
import { transitionOrder } from './commands/transition-order.ts';
import { expireUnpaidBankTransfers } from './expire-unpaid.ts';
import type { OrderAmounts, OrderSummary, OrderView } from './model.ts';
import { canView, orderById, ordersOfCustomer, ownerOfNumber, type Page } from './queries.ts';
import type { OrderStatus } from './tables.ts';
import { orderStatusLabel } from './format.ts';
import { paymentLabel } from './method-views.ts';

export type { OrderAmounts, OrderSummary, OrderView } from './model.ts';

/** Everything checkout has decided; orders.place() turns it into an order, atomically and idempotently. */
export interface OrderDraft extends OrderAmounts {
  customerId: number | null;
  /** guest orders: SHA-256 of the cart token, so that browser alone can view the order */
  accessTokenHash: string | null;
  idempotencyKey: string;
  email: string;
  locale: Locale;
  shipping: Address;
  shippingMethod: string;
  /** issue 16: the delivery time slot chosen at checkout (null or absent: none) */
  deliverySlot?: string | null;
  paymentMethod: string;
  lines: Array<{ variantId: number; sku: string; productName: string; variantName: string; taxRate: 8 | 10; unitPrice: number; quantity: number; lineTotal: number }>;
  invoiceNumber: string | null;
  note: string;
}

export interface OrderViewer {
  customerId: number | null;
  accessTokenHash: string | null;
}

export interface PlacedOrder {
  id: number;
  number: string;
  /** false when the idempotency key had already placed this order */
  created: boolean;
}

export interface OrdersService {
  /**
   * Places the order in one transaction: reserves stock, writes the order, runs `afterInsert`
   * (e.g. clearing the cart) and queues the confirmation mail. Same idempotency key and owner:
   * returns the existing order. Throws AppError('sold_out') and changes nothing when stock is short;
   * AppError('conflict') when the key belongs to someone else's order.
   * The draft must add up (line totals, items total, total = items + fees, taxable8 = reduced lines,
   * taxable10 = the rest, tax within one yen of the exact amount): otherwise it throws a TypeError.
   */
  place(draft: OrderDraft, afterInsert?: (trx: Db, orderId: number) => Promise<void>): Promise<PlacedOrder>;
  statusOf(number: string): Promise<OrderStatus | null>;
  /** The order, only if `viewer` placed it (signed-in customer or the guest's cart token hash). */
  findForViewer(number: string, viewer: OrderViewer): Promise<OrderView | null>;
  listForCustomer(customerId: number, page: number, perPage?: number): Promise<Page<OrderSummary>>;
  byId(id: number): Promise<OrderView | null>;
  /** The order an idempotency key placed (`orders.idempotency_key`, the one record of it), or null. */
  idOfIdempotencyKey(key: string): Promise<number | null>;
  /** Moves an order along its life cycle (see state-machine.ts); throws AppError('conflict') with the reason when illegal. */
  transition(orderId: number, to: OrderStatus, staffId: number | null, note: string, opts?: { expectedFrom?: OrderStatus; trackingNumber?: string; carrier?: string; locale?: Locale }): Promise<OrderView>;
  /**
   * The console's "new orders": the latest confirmed orders (an unpaid card attempt is not an order to prepare yet),
   * with their status as staff read it. No personal data.
   */
  recentForConsole(limit: number, locale: Locale): Promise<Array<{ id: number; number: string; placedAt: Date; total: number; status: OrderStatus; statusLabel: string; paymentLabel: string }>>;
}

export function createOrders(ctx: AppContext, deps: { catalog: CatalogService; shop: ShopSettingsService }): OrdersService {
  const { db } = ctx;
  const service: OrdersService = {
    async place(draft, afterInsert) {
      const shop = await deps.shop.get();
      return placeOrder(db, { catalog: deps.catalog, shop, publicUrl: ctx.config.publicUrl, vault: ctx.vault, lockTimeoutMs: ctx.config.checkoutLockTimeoutMs }, draft, afterInsert);
    },
    async statusOf(number) {
      const row = await db.selectFrom('orders').select('status').where('number', '=', number).executeTakeFirst();
      return row?.status ?? null;
    },
    async findForViewer(number, viewer) {
      // Ownership is checked on the bare row first, so a stranger's request costs the same as a miss.
      const owner = await ownerOfNumber(db, number);
      return owner && canView(owner, viewer) ? orderById(db, ctx.vault, owner.id) : null;
    },
    listForCustomer: (customerId, page, perPage = 20) => ordersOfCustomer(db, customerId, page, perPage),
    byId: (id) => orderById(db, ctx.vault, id),
    async idOfIdempotencyKey(key) {
      const row = await db.selectFrom('orders').select('id').where('idempotency_key', '=', storedIdempotencyKey(key)).executeTakeFirst();
      return row?.id ?? null;
    },
    async recentForConsole(limit, locale) {
      const rows = await db
        .selectFrom('orders')
        .select(['id', 'number', 'placed_at', 'total', 'status', 'payment_method'])
        .where((eb) => eb.or([eb('payment_method', '!=', 'card'), eb('paid_at', 'is not', null)]))
        .orderBy('placed_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: r.id, number: r.number, placedAt: r.placed_at, total: r.total, status: r.status, statusLabel: orderStatusLabel(r.status, r.payment_method, locale), paymentLabel: paymentLabel(r.payment_method, locale) }));
    },
    async transition(orderId, to, staffId, note, opts = {}) {
      const shop = await deps.shop.get();
      return transitionOrder(db, { catalog: deps.catalog, shop, publicUrl: ctx.config.publicUrl, vault: ctx.vault }, { orderId, to, staffId, note, locale: opts.locale ?? 'ja', expectedFrom: opts.expectedFrom, trackingNumber: opts.trackingNumber, carrier: opts.carrier });
    },
  };
  ctx.scheduler.every('expire-unpaid-bank-transfers', 3600_000, async () => {
    const shop = await deps.shop.get();
    const cancelled = await expireUnpaidBankTransfers(db, service, shop.bank_transfer_days, shop.guest_bank_transfer_hours);
    if (cancelled) ctx.log.info({ cancelled }, 'unpaid bank-transfer orders cancelled');
  });
  return service;
}
