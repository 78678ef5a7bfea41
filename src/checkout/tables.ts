import type { ColumnType } from 'kysely';

export type CheckoutTables = {
  /** the client network of an order (keyed blind index only), for the unpaid-order limit per network */
  checkout_network: { order_id: number; network_bidx: string; created_at: ColumnType<Date, Date | undefined, never> };
};
