import type { RouteModule } from '../services.ts';

export const identityAdminRoutes: RouteModule = (_app, _s) => {};
