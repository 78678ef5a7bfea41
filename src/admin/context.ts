import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { adminAccessPolicy } from '../identity/admin-access.ts';
import { can, roleLanding, type Permission } from '../identity/permissions.ts';
import { readStaffSession, sessionCookie, type StaffSession } from '../identity/sessions.ts';
import { stepUpFresh, stepUpRedirect } from '../identity/step-up.ts';
import type { CardCheckoutReason } from '../integrity/service.ts';
import { AppError } from '../platform/http/errors.ts';
import type { Services } from '../services.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Admin routes any signed-in staff member may use whatever their role: 'partial' also before the
     * second factor (the 2FA pages only), 'any' with a complete session (step-up, own password).
     */
    staff?: 'partial' | 'any';
    /** T4: needs a step-up re-authentication (password + fresh TOTP) within the last 5 minutes. */
    stepUp?: boolean;
  }
  interface FastifyRequest {
    /** Admin: the staff session, also when partial (req.staff is set only for a complete one). */
    adminSession: StaffSession | null;
    /** Admin: why card checkout is off (an integrity finding), for the banner on every console page. */
    cardCheckoutOff: CardCheckoutReason | null;
  }
}

/** One admin route as registered: method, full URL and its access rule (for the route/role test). */
export interface AdminRoute {
  method: string;
  url: string;
  permission?: Permission;
  public?: boolean;
  staff?: 'partial' | 'any';
  stepUp?: boolean;
}

const routeTables = new WeakMap<Services, AdminRoute[]>();

/** Every admin route registered for these services (collected by the onRoute hook below). */
export function adminRoutesOf(s: Services): readonly AdminRoute[] {
  return routeTables.get(s) ?? [];
}

/**
 * The admin context's guard chain: network (ADMIN_HOST, ADMIN_IP_ALLOWLIST) → staff session →
 * second factor → forced password change → permission → step-up. A route that declares neither a
 * permission, `public: true` nor `staff` stops the server from starting (fail closed at boot).
 */
export function guardAdminContext(admin: FastifyInstance, s: Services) {
  const access = adminAccessPolicy(s.ctx.config);
  const cookie = sessionCookie(s.cookies, 'admin');
  const routes: AdminRoute[] = [];
  routeTables.set(s, routes);
  admin.decorateRequest('adminSession', null);
  admin.decorateRequest('cardCheckoutOff', null);

  admin.addHook('onRoute', (route: RouteOptions) => {
    const config = route.config as { permission?: Permission; public?: boolean; staff?: 'partial' | 'any'; stepUp?: boolean } | undefined;
    const rules = [config?.permission, config?.public, config?.staff].filter(Boolean).length;
    if (rules === 0) throw new Error(`admin route ${route.method} ${route.url} declares no permission`);
    if (rules > 1) throw new Error(`admin route ${route.method} ${route.url} declares more than one access rule`);
    if (config?.stepUp && config.public) throw new Error(`admin route ${route.method} ${route.url}: a public route cannot need step-up`);
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, ...config });
  });

  admin.addHook('onRequest', async (req, reply) => {
    // T4: the console is invisible on other host names and outside the allowed networks.
    if (!access.hostAllowed(req)) throw new AppError('not_found');
    if (!access.ipAllowed(req.ip)) throw new AppError('forbidden');

    const config = req.routeOptions.config;
    await loadSession(req, reply);
    if (config.public) return;
    const session = req.adminSession;
    if (!session) return unauthenticated(req, reply, `/admin/sign-in?next=${encodeURIComponent(req.url)}`);
    // T4: a partial session (password only) reaches nothing but the 2FA pages.
    if (!session.secondFactorAt) {
      if (config.staff === 'partial') return;
      return unauthenticated(req, reply, `/admin/2fa?next=${encodeURIComponent(req.url)}`);
    }
    // After an emergency password reset, nothing but the password change (and signing out).
    if (session.passwordResetRequired && config.staff !== 'any' && config.staff !== 'partial') return unauthenticated(req, reply, '/admin/password');
    if (!config.staff && (!config.permission || !can(session.staff.role, config.permission))) {
      const landing = roleLanding[session.staff.role];
      if (landing && req.method === 'GET' && /^\/admin\/?$/.test(req.url.split('?')[0]!)) return reply.redirect(landing, 303);
      throw new AppError('forbidden');
    }
    if (config.stepUp && !stepUpFresh(session)) return reply.redirect(stepUpRedirect(req), 303);
    // T1 fail closed: every console page says so while card checkout is off, until the finding is dealt with.
    const card = s.integrity.cardCheckoutAllowed();
    if (!card.allowed && card.reason !== 'not_verified' && card.reason !== 'pages_not_verified' && can(session.staff.role, 'security.read')) req.cardCheckoutOff = card.reason ?? null;
  });

  async function loadSession(req: FastifyRequest, reply: FastifyReply) {
    const token = req.cookies[cookie.name];
    const session = await readStaffSession(s.ctx.db, token);
    req.adminSession = session;
    req.staff = session?.secondFactorAt ? session.staff : null;
    // A cookie whose session ended (expired, signed out elsewhere) is dropped from the browser.
    if (token !== undefined && !session) reply.clearCookie(cookie.name, cookie.options);
  }
}

function unauthenticated(req: FastifyRequest, reply: FastifyReply, location: string) {
  if (req.method === 'GET' || req.method === 'HEAD') return reply.redirect(location, 303);
  throw new AppError('unauthenticated');
}
