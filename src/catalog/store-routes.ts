import type { RouteModule } from '../services.ts';

export const catalogStoreRoutes: RouteModule = (_app, _s) => {};
