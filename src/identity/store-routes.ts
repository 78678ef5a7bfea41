import type { RouteModule } from '../services.ts';

export const identityStoreRoutes: RouteModule = (_app, _s) => {};
