import type { RouteModule } from '../services.ts';

export const checkoutApiRoutes: RouteModule = (_app, _s) => {};
