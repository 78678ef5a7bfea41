import type { ShippingMethod } from './method.ts';
import { standardDelivery } from './standard-delivery.ts';

/** The shipping methods offered at checkout, in display order. The first is preselected. */
export const shippingMethods: readonly ShippingMethod[] = [standardDelivery];

export function shippingMethod(id: string): ShippingMethod | undefined {
  return shippingMethods.find((m) => m.id === id);
}

export const shippingMethodIds = shippingMethods.map((m) => m.id) as [string, ...string[]];
