import type { CatalogService } from '../catalog/service.ts';
import type { Db } from '../platform/db/database.ts';
import { cartItems, ensureCartId, findCartId, putItem } from './repository.ts';
import { maxLineQuantity } from './lines.ts';

/**
 * At sign-in: adds the guest cart's quantities to the customer's cart, each line capped at 99 and
 * at the stock on hand (a line the customer already had is never reduced), then deletes the guest
 * cart so its token no longer opens anything. Runs entirely on the caller's transaction.
 */
export async function mergeGuestCart(trx: Db, guestTokenHash: string, customerId: number, catalog: Pick<CatalogService, 'variantsForSale'>): Promise<void> {
  const guestId = await findCartId(trx, { tokenHash: guestTokenHash, customerId: null });
  if (guestId === null) return;
  const guestItems = await cartItems(trx, guestId);
  if (guestItems.length) {
    const customerCartId = await ensureCartId(trx, { tokenHash: null, customerId });
    const existing = new Map((await cartItems(trx, customerCartId)).map((i) => [i.variantId, i.quantity]));
    // Stock is read on the transaction: a read outside it would wait for it on PGlite.
    const stock = await catalog.variantsForSale(guestItems.map((i) => i.variantId), 'ja', trx);
    for (const item of guestItems) {
      const had = existing.get(item.variantId) ?? 0;
      const onHand = stock.get(item.variantId)?.stock ?? 0;
      const merged = Math.min(had + item.quantity, maxLineQuantity, onHand);
      if (merged > had) await putItem(trx, customerCartId, item.variantId, merged);
    }
  }
  await trx.deleteFrom('cart').where('id', '=', guestId).execute();
}
