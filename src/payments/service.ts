import type { OrdersService } from '../orders/service.ts';
import type { AppContext } from '../platform/context.ts';
import type { SafeHtml } from '../platform/http/html.ts';
import type { Locale } from '../platform/i18n/index.ts';
import type { ShopSettings } from '../settings/settings.ts';
import { cardAdminNotices, cardAdminSection, type CardAdminNotice } from './card/admin-views.ts';
import { createCardPayments, type CardPayments } from './card/service.ts';
import type { PaymentMethod } from '../orders/payment-methods/method.ts';
import type { HostedMethod } from './provider.ts';
import { createPaymentProviders, type PaymentProviders } from './providers/index.ts';
import { isHostedPaymentMethod, offeredPaymentMethods, paymentMethod } from '../orders/payment-methods/registry.ts';

export interface PaymentsService {
  /** A method by id, bound to this store's provider (hosted-page methods create sessions through it). */
  method(id: string): PaymentMethod | undefined;
  /** The methods checkout offers now (the shop's settings and the configured providers). */
  offered(settings: ShopSettings): readonly PaymentMethod[];
  /** Paid on a provider's page (card; KOMOJU's コンビニ決済, PayPay, Pay-easy): paid and refunded only through the provider. */
  isHosted(methodId: string): boolean;
  providers: PaymentProviders;
  card: CardPayments;
  /**
   * The payment section of the console's order page for a hosted-page order (status, provider reference, refund/capture/void).
   * `notice` is the `?card=` query word after a payment action; anything not on the list shows no notice.
   */
  adminSection(orderId: number, o: { canWrite: boolean; notice?: unknown }, l: Locale): Promise<SafeHtml>;
}

const hosted: readonly string[] = ['card', 'konbini', 'paypay', 'payeasy'];

export function createPayments(ctx: AppContext, deps: { orders: OrdersService; shop?: { get(): Promise<ShopSettings> }; cardCheckoutAllowed?: () => boolean }): PaymentsService {
  const providers = createPaymentProviders(ctx.config);
  const card = createCardPayments(ctx, { ...deps, providers });
  const bound = new Map(hosted.map((id) => {
    const base = paymentMethod(id)!;
    return [id, { ...base, nextStep: (order) => card.startCheckout(order, order.client, id as HostedMethod) } satisfies PaymentMethod];
  }));
  return {
    method: (id) => bound.get(id) ?? paymentMethod(id),
    offered: (settings) => offeredPaymentMethods(settings, providers.configured('komoju')),
    isHosted: isHostedPaymentMethod,
    providers,
    card,
    adminSection: async (orderId, o, l) => {
      const notice = cardAdminNotices.includes(o.notice as CardAdminNotice) ? (o.notice as CardAdminNotice) : undefined;
      return cardAdminSection(orderId, await card.paymentOf(orderId), { canWrite: o.canWrite, notice }, l);
    },
  };
}
