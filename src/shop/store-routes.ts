import type { RouteModule } from '../services.ts';

export const shopStoreRoutes: RouteModule = (_app, _s) => {};
