import type { AppContext } from '../platform/context.ts';
import type { Address } from '../platform/http/fields.ts';
import type { Locale } from '../platform/i18n/index.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { ShopSettingsService } from '../shop/settings.ts';
import type { OrderStatus } from './tables.ts';

/** Everything checkout has decided; orders.place() turns it into an order, atomically and idempotently. */
export interface OrderDraft {
  customerId: number | null;
  /** guest orders: SHA-256 of the cart token, so that browser alone can view the order */
  accessTokenHash: string | null;
  idempotencyKey: string;
  email: string;
  locale: Locale;
  shipping: Address;
  shippingMethod: string;
  shippingFee: number;
  paymentMethod: string;
  paymentFee: number;
  lines: Array<{ variantId: number; sku: string; productName: string; variantName: string; taxRate: 8 | 10; unitPrice: number; quantity: number; lineTotal: number }>;
  itemsTotal: number;
  total: number;
  taxable10: number;
  tax10: number;
  taxable8: number;
  tax8: number;
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
   * returns the existing order. Throws AppError('sold_out') and changes nothing when stock is short.
   */
  place(draft: OrderDraft, afterInsert?: (trx: import('../platform/db/database.ts').Db, orderId: number) => Promise<void>): Promise<PlacedOrder>;
  statusOf(number: string): Promise<OrderStatus | null>;
}

// STUB until the orders domain lands.
export function createOrders(_ctx: AppContext, _deps: { catalog: CatalogService; shop: ShopSettingsService }): OrdersService {
  return {
    place: async () => {
      throw new Error('orders: not implemented yet');
    },
    statusOf: async () => null,
  };
}
