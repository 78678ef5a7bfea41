import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | undefined, Date>;

export interface CartTables {
  cart: { id: Generated<number>; token_hash: string | null; customer_id: number | null; created_at: Timestamp; updated_at: Timestamp };
  cart_item: { cart_id: number; variant_id: number; quantity: number; added_at: Timestamp };
}
