import type { RouteModule } from '../services.ts';

export const catalogApiRoutes: RouteModule = (_app, _s) => {};
