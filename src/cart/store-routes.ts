import type { RouteModule } from '../services.ts';

export const cartStoreRoutes: RouteModule = (_app, _s) => {};
