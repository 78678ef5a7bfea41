import type { RouteModule } from '../services.ts';

export const cartApiRoutes: RouteModule = (_app, _s) => {};
