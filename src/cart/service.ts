import type { AppContext } from '../platform/context.ts';
import type { Db } from '../platform/db/database.ts';
import type { Locale } from '../platform/i18n/index.ts';
import type { CatalogService } from '../catalog/service.ts';

/** Who owns a cart: a guest (by the SHA-256 of their cart token) or a signed-in customer. */
export interface CartOwner {
  tokenHash: string | null;
  customerId: number | null;
}

export interface CartLine {
  variantId: number;
  productSlug: string;
  productName: string;
  variantName: string;
  sku: string;
  taxRate: 8 | 10;
  unitPrice: number;
  quantity: number;
  lineTotal: number;
  /** false when the product was unpublished or has too little stock for this quantity */
  available: boolean;
  stock: number;
}

export interface CartView {
  id: number | null;
  lines: CartLine[];
  itemCount: number;
  itemsTotal: number;
}

export interface CartService {
  view(owner: CartOwner, locale: Locale): Promise<CartView>;
  count(owner: CartOwner): Promise<number>;
  /** Moves a guest cart's items into the customer's cart at sign-in. */
  mergeIntoCustomer(trx: Db, guestTokenHash: string, customerId: number): Promise<void>;
  /** Empties the cart after an order is placed, in the order's transaction. */
  clear(trx: Db, owner: CartOwner): Promise<void>;
}

// STUB until the cart domain lands: always empty.
export function createCart(_ctx: AppContext, _deps: { catalog: CatalogService }): CartService {
  return {
    view: async () => ({ id: null, lines: [], itemCount: 0, itemsTotal: 0 }),
    count: async () => 0,
    mergeIntoCustomer: async () => {},
    clear: async () => {},
  };
}
