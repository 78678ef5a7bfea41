import type { RouteModule } from '../services.ts';

export const identityApiRoutes: RouteModule = (_app, _s) => {};
