import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { CartOwner } from './service.ts';

/** The cart of an owner: a signed-in customer's own cart wins over any guest cookie. */
export async function findCartId(db: Db, owner: CartOwner): Promise<number | null> {
  let q = db.selectFrom('cart').select('id');
  if (owner.customerId !== null) q = q.where('customer_id', '=', owner.customerId);
  else if (owner.tokenHash !== null) q = q.where('token_hash', '=', owner.tokenHash).where('customer_id', 'is', null);
  else return null;
  return (await q.executeTakeFirst())?.id ?? null;
}

/** Finds or creates the owner's cart; safe when two requests create it at once. */
export async function ensureCartId(db: Db, owner: CartOwner): Promise<number> {
  const existing = await findCartId(db, owner);
  if (existing !== null) return existing;
  if (owner.customerId !== null) {
    await db.insertInto('cart').values({ customer_id: owner.customerId }).onConflict((oc) => oc.column('customer_id').doNothing()).execute();
  } else if (owner.tokenHash !== null) {
    await db.insertInto('cart').values({ token_hash: owner.tokenHash }).onConflict((oc) => oc.column('token_hash').doNothing()).execute();
  } else {
    throw new TypeError('cart: an owner needs a customer id or a token hash');
  }
  const id = await findCartId(db, owner);
  if (id === null) throw new Error('cart: could not create the cart');
  return id;
}

export interface CartItemRow {
  variantId: number;
  quantity: number;
}

export async function cartItems(db: Db, cartId: number): Promise<CartItemRow[]> {
  const rows = await db.selectFrom('cart_item').select(['variant_id', 'quantity']).where('cart_id', '=', cartId).orderBy('added_at').orderBy('variant_id').execute();
  return rows.map((r) => ({ variantId: r.variant_id, quantity: r.quantity }));
}

export async function itemQuantity(db: Db, cartId: number, variantId: number): Promise<number> {
  const row = await db.selectFrom('cart_item').select('quantity').where('cart_id', '=', cartId).where('variant_id', '=', variantId).executeTakeFirst();
  return row?.quantity ?? 0;
}

/** Sets a line's quantity (1–99), inserting the line when it is new. */
export async function putItem(db: Db, cartId: number, variantId: number, quantity: number): Promise<void> {
  await db
    .insertInto('cart_item')
    .values({ cart_id: cartId, variant_id: variantId, quantity })
    .onConflict((oc) => oc.columns(['cart_id', 'variant_id']).doUpdateSet({ quantity }))
    .execute();
  await touch(db, cartId);
}

export async function deleteItem(db: Db, cartId: number, variantId: number): Promise<boolean> {
  const res = await db.deleteFrom('cart_item').where('cart_id', '=', cartId).where('variant_id', '=', variantId).executeTakeFirst();
  await touch(db, cartId);
  return Number(res.numDeletedRows) > 0;
}

export async function deleteAllItems(db: Db, cartId: number): Promise<void> {
  await db.deleteFrom('cart_item').where('cart_id', '=', cartId).execute();
  await touch(db, cartId);
}

export async function itemCount(db: Db, owner: CartOwner): Promise<number> {
  const cartId = await findCartId(db, owner);
  if (cartId === null) return 0;
  const row = await db.selectFrom('cart_item').select(sql<number>`coalesce(sum(quantity), 0)::int`.as('n')).where('cart_id', '=', cartId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

async function touch(db: Db, cartId: number): Promise<void> {
  await db.updateTable('cart').set({ updated_at: new Date() }).where('id', '=', cartId).execute();
}
