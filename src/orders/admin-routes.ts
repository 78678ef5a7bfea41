import type { RouteModule } from '../services.ts';

export const ordersAdminRoutes: RouteModule = (_app, _s) => {};
