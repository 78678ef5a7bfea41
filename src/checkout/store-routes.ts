import type { RouteModule } from '../services.ts';

export const checkoutStoreRoutes: RouteModule = (_app, _s) => {};
