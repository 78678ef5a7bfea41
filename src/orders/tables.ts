import type { ColumnType, Generated } from 'kysely';
import type { Locale } from '../identity/tables.ts';

type Timestamp = ColumnType<Date, Date | undefined, Date>;
export type OrderStatus = 'awaiting_payment' | 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'refunded';

export interface OrderTables {
  orders: {
    id: Generated<number>;
    number: string;
    status: OrderStatus;
    customer_id: number | null;
    access_token_hash: string | null;
    idempotency_key: string;
    email: string;
    locale: Locale;
    ship_name: string;
    ship_name_kana: string;
    ship_postal_code: string;
    ship_prefecture: string;
    ship_city: string;
    ship_line1: string;
    ship_line2: string;
    ship_phone: string;
    shipping_method: string;
    /** issue 16: 時間帯指定 ('am', '14-16', ...); null when none was chosen */
    delivery_slot: ColumnType<string | null, string | null | undefined, string | null>;
    shipping_fee: number;
    payment_method: string;
    payment_fee: number;
    items_total: number;
    total: number;
    taxable_10: number;
    tax_10: number;
    taxable_8: number;
    tax_8: number;
    /** issue 16: coupon discount per tax rate (tax-inclusive yen) and the code used */
    discount_10: Generated<number>;
    discount_8: Generated<number>;
    coupon_code: ColumnType<string | null, string | null | undefined, string | null>;
    invoice_number: string | null;
    note: Generated<string>;
    tracking_number: Generated<string>;
    /** 0118: yamato | sagawa | japanpost | other, '' when not recorded */
    carrier: Generated<string>;
    paid_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
    placed_at: Timestamp;
    /** Blind indexes (0035): HMAC of the normalized e-mail / phone, and name-prefix tokens; see encrypted-fields.ts. */
    email_bidx: string | null;
    phone_bidx: string | null;
    name_tokens: ColumnType<string[], string[] | undefined, string[]>;
    updated_at: Timestamp;
  };
  order_line: {
    id: Generated<number>;
    order_id: number;
    variant_id: number | null;
    sku: string;
    product_name: string;
    variant_name: string;
    tax_rate: 8 | 10;
    unit_price: number;
    quantity: number;
    line_total: number;
  };
  /** 0120: links mailed to attach earlier guest orders to an account (see claim.ts). */
  order_claim: {
    id: Generated<number>;
    customer_id: number;
    token_hash: string;
    email_bidx: string;
    created_at: ColumnType<Date, Date | undefined, never>;
    expires_at: Date;
    used_at: Date | null;
    claimed_count: number | null;
  };
  order_event: {
    id: Generated<number>;
    order_id: number;
    from_status: OrderStatus | null;
    to_status: OrderStatus;
    staff_id: number | null;
    note: Generated<string>;
    created_at: Timestamp;
  };
}
