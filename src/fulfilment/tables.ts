import type { ColumnType, Generated } from 'kysely';

/** One planned change of a tracking-number import (no personal data: order number, carrier, tracking number). */
export interface TrackingPlanRow {
  line: number;
  orderId: number;
  number: string;
  carrier: string;
  tracking: string;
  /** The status seen in the dry run: applying checks it has not changed since. */
  from: string;
}

export interface FulfilmentTables {
  shipping_label_setting: {
    id: Generated<number>;
    yamato_customer_code: string;
    yamato_freight_number: string;
    sagawa_customer_code: string;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  tracking_import: {
    id: Generated<number>;
    staff_id: number;
    created_at: ColumnType<Date, Date | undefined, never>;
    file_name: string;
    rows: ColumnType<TrackingPlanRow[], string, string>;
    applied_at: Date | null;
    applied_count: number | null;
  };
}
