import type { RouteModule } from '../services.ts';

export const ordersStoreRoutes: RouteModule = (_app, _s) => {};
