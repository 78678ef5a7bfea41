import type { RouteModule } from '../services.ts';

export const shopAdminRoutes: RouteModule = (_app, _s) => {};
