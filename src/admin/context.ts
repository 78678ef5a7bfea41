import type { FastifyInstance, RouteOptions } from 'fastify';
import { can } from '../identity/permissions.ts';
import { AppError } from '../platform/http/errors.ts';
import type { Services } from '../services.ts';

/**
 * The admin context's guard chain: staff session → permission. A route that declares neither a
 * permission nor `public: true` stops the server from starting (fail closed at boot).
 */
export function guardAdminContext(admin: FastifyInstance, s: Services) {
  admin.addHook('onRoute', (route: RouteOptions) => {
    const config = route.config as { permission?: string; public?: boolean } | undefined;
    if (!config?.permission && !config?.public) throw new Error(`admin route ${route.method} ${route.url} declares no permission`);
  });
  admin.addHook('onRequest', async (req, reply) => {
    await s.identity.loadStaff(req, reply);
    const config = req.routeOptions.config;
    if (config.public) return;
    if (!req.staff) {
      if (req.method === 'GET') return reply.redirect(`/admin/sign-in?next=${encodeURIComponent(req.url)}`, 303);
      throw new AppError('unauthenticated');
    }
    if (!config.permission || !can(req.staff.role, config.permission)) throw new AppError('forbidden');
  });
}
