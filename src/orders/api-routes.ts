import type { RouteModule } from '../services.ts';

export const ordersApiRoutes: RouteModule = (_app, _s) => {};
