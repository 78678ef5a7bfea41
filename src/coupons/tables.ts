import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | undefined, Date>;

export interface CouponTables {
  coupon: {
    id: Generated<number>;
    code: string;
    kind: 'percent' | 'amount';
    value: number;
    min_order: Generated<number>;
    starts_at: Date | null;
    ends_at: Date | null;
    usage_limit: number | null;
    per_customer_limit: number | null;
    used_count: Generated<number>;
    active: Generated<boolean>;
    created_at: Timestamp;
  };
  coupon_use: {
    coupon_id: number;
    order_id: number;
    customer_key: string;
    created_at: Timestamp;
  };
}
