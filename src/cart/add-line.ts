import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { CartOwner } from './service.ts';

/**
 * Adds `quantity` of a variant to the owner's cart in one atomic statement: creates the cart when
 * it does not exist yet (and touches it when it does), then inserts the line or raises its
 * quantity, never above `cap`. One round trip and one commit for the most frequent write.
 */
export async function addLine(db: Db, owner: CartOwner, variantId: number, quantity: number, cap: number): Promise<void> {
  const upsertCart =
    owner.customerId !== null
      ? sql`insert into cart (customer_id) values (${owner.customerId}) on conflict (customer_id) do update set updated_at = now() returning id`
      : owner.tokenHash !== null
        ? sql`insert into cart (token_hash) values (${owner.tokenHash}) on conflict (token_hash) do update set updated_at = now() returning id`
        : undefined;
  if (!upsertCart) throw new TypeError('cart: an owner needs a customer id or a token hash');
  await sql`
    with c as (${upsertCart})
    insert into cart_item (cart_id, variant_id, quantity)
    select id, ${variantId}, ${Math.min(quantity, cap)} from c
    on conflict (cart_id, variant_id) do update set quantity = least(cart_item.quantity + excluded.quantity, ${cap})`.execute(db);
}
