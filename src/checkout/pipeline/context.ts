import type { CartView } from '../../cart/service.ts';
import type { OrderDraft } from '../../orders/service.ts';
import type { Address } from '../../platform/http/fields.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import type { ShopSettings } from '../../settings/settings.ts';
import type { InvoiceTax } from '../../tax/consumption-tax.ts';
import type { CouponForCheckout } from '../../coupons/rules.ts';

/** What the shopper chose at checkout (already validated field by field). */
export interface CheckoutInput {
  email: string;
  shipping: Address;
  shippingMethod: string;
  /** issue 16: 時間帯指定 ('am', '14-16', ...); empty or absent: no preference */
  deliverySlot?: string;
  paymentMethod: string;
  note: string;
  /** issue 16: the coupon code as typed (empty or absent: none) */
  couponCode?: string;
}

/**
 * The state a purchase flow passes from processor to processor (EC-CUBE's PurchaseFlow): each
 * processor reads what earlier ones decided and adds its part, or records a field error.
 */
export interface PurchaseContext {
  readonly locale: Locale;
  readonly settings: ShopSettings;
  readonly cart: CartView;
  readonly input: CheckoutInput;
  lines: OrderDraft['lines'];
  itemsTotal: number;
  shippingFee: number;
  paymentFee: number;
  /** issue 16: the coupon looked up for `input.couponCode` (null: no such code), read before the flow runs */
  readonly coupon?: CouponForCheckout | null;
  readonly now: Date;
  discount10: number;
  discount8: number;
  tax: InvoiceTax;
  total: number;
  /** localized messages by form field; any entry stops the flow before an order is placed */
  errors: FieldErrors;
}

export type PurchaseProcessor = (ctx: PurchaseContext) => void;
