import type { Selectable } from 'kysely';
import type { Address } from '../platform/http/fields.ts';
import type { Locale } from '../platform/i18n/index.ts';
import type { OrderStatus, OrderTables } from './tables.ts';

export interface OrderLineView {
  variantId: number | null;
  sku: string;
  productName: string;
  variantName: string;
  taxRate: 8 | 10;
  unitPrice: number;
  quantity: number;
  lineTotal: number;
}

/** The money of an order: integer yen, tax-inclusive, with the qualified-invoice tax per rate. */
export interface OrderAmounts {
  shippingFee: number;
  paymentFee: number;
  itemsTotal: number;
  total: number;
  taxable10: number;
  tax10: number;
  taxable8: number;
  tax8: number;
  /** issue 16: coupon discount per tax rate (tax-inclusive yen; 0 or absent: none) and its code */
  discount10?: number;
  discount8?: number;
  couponCode?: string | null;
}

/** An order as pages, mails and the API show it: what was agreed at checkout, copied, never recomputed. */
export interface OrderView extends OrderAmounts {
  id: number;
  number: string;
  status: OrderStatus;
  customerId: number | null;
  accessTokenHash: string | null;
  email: string;
  locale: Locale;
  placedAt: Date;
  paidAt: Date | null;
  trackingNumber: string;
  /** The carrier that took the parcel ('' when not recorded): see shipping/carriers.ts. */
  carrier: string;
  shipping: Address;
  shippingMethod: string;
  /** 時間帯指定 chosen at checkout, or null */
  deliverySlot: string | null;
  paymentMethod: string;
  invoiceNumber: string | null;
  note: string;
  lines: OrderLineView[];
}

export interface OrderSummary {
  id: number;
  number: string;
  status: OrderStatus;
  paymentMethod: string;
  placedAt: Date;
  total: number;
  itemCount: number;
}

export type OrderRow = Selectable<OrderTables['orders']>;
type LineRow = Selectable<OrderTables['order_line']>;

export function toOrderView(row: OrderRow, lines: LineRow[]): OrderView {
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    customerId: row.customer_id,
    accessTokenHash: row.access_token_hash,
    email: row.email,
    locale: row.locale,
    placedAt: row.placed_at,
    paidAt: row.paid_at,
    trackingNumber: row.tracking_number,
    carrier: row.carrier ?? '',
    shipping: {
      name: row.ship_name,
      name_kana: row.ship_name_kana,
      postal_code: row.ship_postal_code,
      prefecture: row.ship_prefecture,
      city: row.ship_city,
      line1: row.ship_line1,
      line2: row.ship_line2,
      phone: row.ship_phone,
    },
    shippingMethod: row.shipping_method,
    deliverySlot: row.delivery_slot ?? null,
    shippingFee: row.shipping_fee,
    paymentMethod: row.payment_method,
    paymentFee: row.payment_fee,
    itemsTotal: row.items_total,
    total: row.total,
    taxable10: row.taxable_10,
    tax10: row.tax_10,
    taxable8: row.taxable_8,
    tax8: row.tax_8,
    discount10: row.discount_10 ?? 0,
    discount8: row.discount_8 ?? 0,
    couponCode: row.coupon_code ?? null,
    invoiceNumber: row.invoice_number,
    note: row.note,
    lines: lines.map((l) => ({
      variantId: l.variant_id,
      sku: l.sku,
      productName: l.product_name,
      variantName: l.variant_name,
      taxRate: l.tax_rate,
      unitPrice: l.unit_price,
      quantity: l.quantity,
      lineTotal: l.line_total,
    })),
  };
}
