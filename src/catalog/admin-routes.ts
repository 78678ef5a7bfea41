import type { RouteModule } from '../services.ts';

export const catalogAdminRoutes: RouteModule = (_app, _s) => {};
