import type { AppContext } from '../platform/context.ts';
import type { Db } from '../platform/db/database.ts';
import { AppError } from '../platform/http/errors.ts';
import type { Locale } from '../platform/i18n/index.ts';
import type { CatalogService } from '../catalog/service.ts';
import { buildCartView, maxLineQuantity } from './lines.ts';
import { mergeGuestCart } from './merge.ts';
import { addLine } from './add-line.ts';
import { purgeStaleCarts } from './purge.ts';
import { t } from './messages.ts';
import { cartItems, deleteAllItems, deleteItem, ensureCartId, findCartId, itemCount, itemQuantity, putItem } from './repository.ts';

/** Who owns a cart: a guest (by the SHA-256 of their cart token) or a signed-in customer. */
export interface CartOwner {
  tokenHash: string | null;
  customerId: number | null;
  /** The guest token was issued by this request: no cart exists yet, so there is nothing to look up. */
  isNew?: boolean;
}

/** Why a line cannot be bought right now. */
export type LineProblem = 'unpublished' | 'sold_out' | 'short';

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
  problem: LineProblem | null;
  stock: number;
  /** parcel size (三辺合計 cm) of the product: the order ships in the largest of its lines' (issue 16) */
  shippingSize: number;
}

export interface CartView {
  id: number | null;
  lines: CartLine[];
  itemCount: number;
  itemsTotal: number;
  /** true when any line is unavailable: checkout refuses until the shopper fixes it */
  blocked: boolean;
}

export { maxLineQuantity } from './lines.ts';

export interface CartService {
  view(owner: CartOwner, locale: Locale): Promise<CartView>;
  count(owner: CartOwner): Promise<number>;
  /** true when the owner has a cart (a guest token that was issued by us). */
  exists(owner: CartOwner): Promise<boolean>;
  /** Adds to a line (creating the cart on first use). Throws a localized AppError and changes nothing when refused. */
  add(owner: CartOwner, variantId: number, quantity: number, locale: Locale): Promise<void>;
  /** Sets a line's quantity; 0 removes it. Throws a localized AppError and changes nothing when refused. */
  setQuantity(owner: CartOwner, variantId: number, quantity: number, locale: Locale): Promise<void>;
  remove(owner: CartOwner, variantId: number): Promise<void>;
  /** Creates an empty guest cart for a token hash (the API's POST /carts). */
  createGuest(tokenHash: string): Promise<void>;
  /** Moves a guest cart's items into the customer's cart at sign-in. */
  mergeIntoCustomer(trx: Db, guestTokenHash: string, customerId: number): Promise<void>;
  /** Empties the cart after an order is placed, in the order's transaction. */
  clear(trx: Db, owner: CartOwner): Promise<void>;
}

export function createCart(ctx: AppContext, deps: { catalog: CatalogService }): CartService {
  const { db } = ctx;
  const { catalog } = deps;
  ctx.scheduler.every('purge-stale-carts', 6 * 3600_000, async () => {
    await purgeStaleCarts(db);
  });

  async function checkWanted(variantId: number, wanted: number, inCart: number, locale: Locale) {
    const variant = await catalog.variantForCart(variantId, locale);
    if (!variant || !variant.published) throw refuse('validation', t(locale, 'unknownVariant'), 'variant_id');
    if (variant.stock <= 0) throw refuse('sold_out', t(locale, 'soldOut', { name: variant.productName }));
    if (wanted > maxLineQuantity) throw refuse('validation', t(locale, 'maxQuantity', { max: maxLineQuantity, inCart }));
    if (wanted > variant.stock) {
      const key = inCart > 0 ? 'notEnoughStockWithCart' : 'notEnoughStock';
      throw refuse('validation', t(locale, key, { name: variant.productName, stock: variant.stock, inCart }));
    }
  }

  return {
    async view(owner, locale) {
      const cartId = await findCartId(db, owner);
      if (cartId === null) return { id: null, lines: [], itemCount: 0, itemsTotal: 0, blocked: false };
      const items = await cartItems(db, cartId);
      const variants = await catalog.variantsForSale(items.map((i) => i.variantId), locale);
      return buildCartView(cartId, items, variants);
    },
    count: (owner) => itemCount(db, owner),
    exists: async (owner) => (await findCartId(db, owner)) !== null,
    async add(owner, variantId, quantity, locale) {
      const cartId = owner.isNew ? null : await findCartId(db, owner);
      const inCart = cartId === null ? 0 : await itemQuantity(db, cartId, variantId);
      await checkWanted(variantId, inCart + quantity, inCart, locale);
      // One statement creates the cart if needed and adds the line, capped at 99 in SQL, so two quick adds cannot pass the cap.
      await addLine(db, owner, variantId, quantity, maxLineQuantity);
    },
    async setQuantity(owner, variantId, quantity, locale) {
      const cartId = await findCartId(db, owner);
      const inCart = cartId === null ? 0 : await itemQuantity(db, cartId, variantId);
      if (cartId === null || inCart === 0) throw new AppError('not_found', { message: t(locale, 'notInCart') });
      if (quantity === 0) {
        await deleteItem(db, cartId, variantId);
        return;
      }
      if (quantity > inCart) await checkWanted(variantId, quantity, 0, locale);
      await putItem(db, cartId, variantId, quantity);
    },
    async remove(owner, variantId) {
      const cartId = await findCartId(db, owner);
      if (cartId !== null) await deleteItem(db, cartId, variantId);
    },
    async createGuest(tokenHash) {
      await ensureCartId(db, { tokenHash, customerId: null });
    },
    mergeIntoCustomer: (trx, guestTokenHash, customerId) => mergeGuestCart(trx, guestTokenHash, customerId, catalog),
    async clear(trx, owner) {
      const cartId = await findCartId(trx, owner);
      if (cartId !== null) await deleteAllItems(trx, cartId);
    },
  };
}

function refuse(code: 'validation' | 'sold_out', message: string, field = 'quantity'): AppError {
  return new AppError(code, { message, fields: { [field]: message } });
}
