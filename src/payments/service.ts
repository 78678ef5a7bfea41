import type { OrdersService } from '../orders/service.ts';
import type { AppContext } from '../platform/context.ts';
import type { ShopSettings } from '../settings/settings.ts';
import { createCardPayments, type CardPayments } from './card/service.ts';
import type { PaymentMethod } from './method.ts';
import type { HostedMethod } from './provider.ts';
import { createPaymentProviders, type PaymentProviders } from './providers/index.ts';
import { isHostedPaymentMethod, offeredPaymentMethods, paymentMethod } from './registry.ts';

export interface PaymentsService {
  /** A method by id, bound to this store's provider (hosted-page methods create sessions through it). */
  method(id: string): PaymentMethod | undefined;
  /** The methods checkout offers now (the shop's settings and the configured providers). */
  offered(settings: ShopSettings): readonly PaymentMethod[];
  /** Paid on a provider's page (card; KOMOJU's コンビニ決済, PayPay, Pay-easy): paid and refunded only through the provider. */
  isHosted(methodId: string): boolean;
  providers: PaymentProviders;
  card: CardPayments;
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
  };
}
