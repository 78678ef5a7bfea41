import type { CartOwner, CartService, CartView } from '../cart/service.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { OrderDraft, OrdersService, PlacedOrder } from '../orders/service.ts';
import { ownsOrder } from '../orders/policy.ts';
import type { OrderStatus } from '../orders/tables.ts';
import type { OrderForPayment, PaymentNextStep } from '../orders/payment-methods/method.ts';
import { offeredPaymentMethods, paymentMethod } from '../orders/payment-methods/registry.ts';
import type { PaymentsService } from '../payments/service.ts';
import type { AppContext } from '../platform/context.ts';
import { AppError } from '../platform/http/errors.ts';
import type { FieldErrors } from '../platform/http/forms.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { shippingMethods } from '../shipping/registry.ts';
import type { ShopSettingsService } from '../settings/settings.ts';
import type { InvoiceTax } from '../tax/consumption-tax.ts';
import type { CheckoutInput } from './pipeline/context.ts';
import { runPurchaseFlow } from './pipeline/flow.ts';
import { limitUnpaidOrders, recordOrderNetwork } from './pipeline/unpaid-order-limit.ts';
import { claimCoupon, CouponClaimRefused, couponCustomerKey, findCouponForCheckout } from '../coupons/service.ts';
import { t } from './messages.ts';

export type { CheckoutInput } from './pipeline/context.ts';

export interface MethodOption {
  id: string;
  label: string;
  description: string;
}

/** A priced checkout: what the review page shows and what becomes the order. */
export interface Quote {
  input: CheckoutInput;
  cart: CartView;
  lines: OrderDraft['lines'];
  itemsTotal: number;
  shippingFee: number;
  paymentFee: number;
  /** issue 16: coupon discount per tax rate, and the coupon applied (null: none) */
  discount10: number;
  discount8: number;
  coupon: { id: number; code: string } | null;
  tax: InvoiceTax;
  total: number;
  invoiceNumber: string | null;
}

export type QuoteResult = { ok: true; quote: Quote } | { ok: false; errors: FieldErrors };

/** The amounts of a placed order, as recorded on it. */
export interface PlacedTotals {
  itemsTotal: number;
  shippingFee: number;
  paymentFee: number;
  total: number;
  tax: InvoiceTax;
}

export type PlaceResult =
  | { kind: 'placed'; order: PlacedOrder; status: OrderStatus; totals: PlacedTotals; next: PaymentNextStep }
  /** the amount differs from what the shopper reviewed: show the review again */
  | { kind: 'changed'; quote: Quote }
  | { kind: 'invalid'; errors: FieldErrors };

export interface CheckoutService {
  options(locale: Locale): Promise<{ shipping: MethodOption[]; payment: MethodOption[] }>;
  /**
   * Prices the owner's cart for the chosen address and methods. Throws AppError('conflict') for an
   * empty cart and AppError('sold_out') while a line is unavailable.
   */
  quote(owner: CartOwner, input: CheckoutInput, locale: Locale): Promise<QuoteResult>;
  /**
   * Re-prices everything server-side and places the order; the same key always answers with the
   * same order. `expectedTotal` is the total the shopper saw; a different total is not placed.
   * Throws AppError('sold_out') (nothing changed) when stock ran out.
   */
  place(owner: CartOwner, input: CheckoutInput, idempotencyKey: string, locale: Locale, expectedTotal?: number, client?: OrderForPayment['client']): Promise<PlaceResult>;
}

export function createCheckout(ctx: AppContext, deps: { cart: CartService; orders: OrdersService; shop: ShopSettingsService; catalog: CatalogService; payments?: PaymentsService }): CheckoutService {
  const { cart, orders, shop } = deps;

  async function quote(owner: CartOwner, input: CheckoutInput, locale: Locale): Promise<QuoteResult> {
    const [view, settings, found] = await Promise.all([
      cart.view(owner, locale),
      shop.get(),
      input.couponCode ? findCouponForCheckout(ctx.db, input.couponCode, couponCustomerKey(owner.customerId, input.email)) : Promise.resolve(null),
    ]);
    const flow = runPurchaseFlow(view, input, settings, locale, { coupon: found });
    if (Object.keys(flow.errors).length) return { ok: false, errors: flow.errors };
    const { lines, itemsTotal, shippingFee, paymentFee, discount10, discount8, tax, total } = flow;
    const coupon = found && input.couponCode ? { id: found.id, code: found.code } : null;
    return { ok: true, quote: { input, cart: view, lines, itemsTotal, shippingFee, paymentFee, discount10, discount8, coupon, tax, total, invoiceNumber: settings.invoice_number } };
  }

  async function placedResult(order: PlacedOrder, status: OrderStatus, totals: PlacedTotals, methodId: string, email: string, locale: Locale, client?: OrderForPayment['client']): Promise<PlaceResult> {
    const method = deps.payments ? deps.payments.method(methodId) : paymentMethod(methodId);
    const next = method ? await method.nextStep({ orderId: order.id, number: order.number, total: totals.total, paymentFee: totals.paymentFee, placedAt: new Date(), email, locale, client }) : ({ kind: 'confirmation' } as const);
    return { kind: 'placed', order, status, totals, next };
  }

  return {
    async options(locale) {
      const settings = await shop.get();
      const option = (m: { id: string; label(l: Locale): string; description(l: Locale, s: typeof settings): string }) => ({ id: m.id, label: m.label(locale), description: m.description(locale, settings) });
      return { shipping: shippingMethods.map(option), payment: offeredPaymentMethods(settings).map(option) };
    },
    quote,
    async place(owner, input, idempotencyKey, locale, expectedTotal, client) {
      // A repeated submit (after the first emptied the cart) answers with the order it placed.
      const earlier = await orders.idOfIdempotencyKey(idempotencyKey);
      if (earlier !== null) {
        const order = await orders.byId(earlier);
        if (!order || !ownsOrder(order, owner)) throw new AppError('conflict'); // T4: another shopper's key reveals nothing
        const { itemsTotal, shippingFee, paymentFee, total, taxable10, tax10, taxable8, tax8 } = order;
        const totals = { itemsTotal, shippingFee, paymentFee, total, tax: { taxable10, tax10, taxable8, tax8 } };
        return placedResult({ id: order.id, number: order.number, created: false }, order.status, totals, order.paymentMethod, order.email, locale, client);
      }
      const priced = await quote(owner, input, locale);
      if (!priced.ok) return { kind: 'invalid', errors: priced.errors };
      const q = priced.quote;
      if (expectedTotal !== undefined && expectedTotal !== q.total) return { kind: 'changed', quote: q };
      const limited = await limitUnpaidOrders(ctx, owner, input.email, client?.ip, locale); // issue 10: denial of inventory
      if (limited) return { kind: 'invalid', errors: limited };
      const draft: OrderDraft = {
        customerId: owner.customerId,
        accessTokenHash: owner.customerId === null ? owner.tokenHash : null,
        idempotencyKey,
        email: input.email,
        locale,
        shipping: input.shipping,
        shippingMethod: input.shippingMethod,
        deliverySlot: input.deliverySlot || null,
        shippingFee: q.shippingFee,
        paymentMethod: input.paymentMethod,
        paymentFee: q.paymentFee,
        lines: q.lines,
        itemsTotal: q.itemsTotal,
        total: q.total,
        ...q.tax,
        invoiceNumber: q.invoiceNumber,
        note: input.note,
        discount10: q.discount10,
        discount8: q.discount8,
        couponCode: q.coupon?.code ?? null,
      };
      let order: PlacedOrder;
      try {
        order = await orders.place(draft, async (trx, orderId) => {
          // Issue 16: the coupon use is claimed in the order's transaction; a limit reached meanwhile places nothing.
          if (q.coupon) await claimCoupon(trx, q.coupon.id, orderId, couponCustomerKey(owner.customerId, input.email));
          await cart.clear(trx, owner);
        });
      } catch (err) {
        if (err instanceof CouponClaimRefused) return { kind: 'invalid', errors: { coupon_code: t(locale, `coupon_${err.reason}`) } };
        throw err;
      }
      if (order.created) await recordOrderNetwork(ctx, order.id, client?.ip);
      const status = (await orders.statusOf(order.number)) ?? paymentMethod(input.paymentMethod)!.initialStatus;
      const totals = { itemsTotal: q.itemsTotal, shippingFee: q.shippingFee, paymentFee: q.paymentFee, total: q.total, tax: q.tax };
      return placedResult(order, status, totals, input.paymentMethod, input.email, locale, client);
    },
  };
}

