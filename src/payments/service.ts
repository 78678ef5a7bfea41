import type { OrdersService } from '../orders/service.ts';
import type { AppContext } from '../platform/context.ts';
import { createCardPayments, type CardPayments } from './card/service.ts';
import type { PaymentMethod } from './method.ts';
import { paymentMethod } from './registry.ts';

export interface PaymentsService {
  /** A method by id, bound to this store's provider (card payments create sessions through it). */
  method(id: string): PaymentMethod | undefined;
  card: CardPayments;
}

export function createPayments(ctx: AppContext, deps: { orders: OrdersService; cardCheckoutAllowed?: () => boolean }): PaymentsService {
  const card = createCardPayments(ctx, deps);
  const base = paymentMethod('card')!;
  const boundCard: PaymentMethod = { ...base, nextStep: (order) => card.startCheckout(order, order.client) };
  return {
    method: (id) => (id === 'card' ? boundCard : paymentMethod(id)),
    card,
  };
}
