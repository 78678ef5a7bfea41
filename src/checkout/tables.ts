import type { ColumnType } from 'kysely';

export type CheckoutTables = {
  checkout_placement: { idempotency_key: string; order_id: number; created_at: ColumnType<Date, Date | undefined, never> };
};
