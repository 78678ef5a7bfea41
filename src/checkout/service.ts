import type { AppContext } from '../platform/context.ts';
import type { CartService } from '../cart/service.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { OrdersService } from '../orders/service.ts';
import type { ShopSettingsService } from '../shop/settings.ts';

export interface CheckoutService {}

export function createCheckout(_ctx: AppContext, _deps: { cart: CartService; orders: OrdersService; shop: ShopSettingsService; catalog: CatalogService }): CheckoutService {
  return {};
}
