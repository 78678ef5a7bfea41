import type { ColumnType } from 'kysely';

// A type alias (not an interface) so it satisfies Kysely's withTables<T> constraint.
export type CheckoutTables = {
  checkout_placement: { idempotency_key: string; order_id: number; created_at: ColumnType<Date, Date | undefined, never> };
};
