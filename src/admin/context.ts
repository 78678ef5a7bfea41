import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../platform/http/errors.ts';
import type { SafeHtml } from '../platform/http/html.ts';
import { can, roleLanding, type Permission } from '../platform/permissions.ts';
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
    /** Admin: a banner every console page shows (why card checkout is off, an integrity finding), or null. */
    consoleBanner: SafeHtml | null;
    /** Admin: the unacknowledged critical alerts (set by alerts/banner.ts for staff with security.read), or null. */
    alertBanner: SafeHtml | null;
  }
}

/** A staff session as the guard reads it (`req.adminSession`, declared by identity's sessions). */
type ConsoleSession = NonNullable<FastifyRequest['adminSession']>;

/**
 * What the console's guard needs from the staff accounts and the integrity checks, handed in by the composition
 * root (issue 11: admin/ sits below identity/ and integrity/ and imports neither; src/app/console-frame.ts builds it).
 */
export interface ConsoleFrame {
  /** T4: the console is invisible on other host names (ADMIN_HOST) and outside ADMIN_IP_ALLOWLIST. */
  hostAllowed(req: FastifyRequest): boolean;
  ipAllowed(ip: string): boolean;
  /** The admin session cookie. */
  cookie: { name: string; options: Parameters<FastifyReply['clearCookie']>[1] };
  readSession(token: string | undefined): Promise<ConsoleSession | null>;
  /** T4: a step-up within its lifetime, and where to go for one. */
  stepUpFresh(session: ConsoleSession): boolean;
  stepUpRedirect(req: FastifyRequest): string;
  /** The banner for a complete session on this page (null: none). */
  banner(req: FastifyRequest, session: ConsoleSession): SafeHtml | null;
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
export function guardAdminContext(admin: FastifyInstance, s: Services, frame: ConsoleFrame) {
  const cookie = frame.cookie;
  const routes: AdminRoute[] = [];
  routeTables.set(s, routes);
  admin.decorateRequest('adminSession', null);
  admin.decorateRequest('consoleBanner', null);
  admin.decorateRequest('alertBanner', null);

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
    if (!frame.hostAllowed(req)) throw new AppError('not_found');
    if (!frame.ipAllowed(req.ip)) throw new AppError('forbidden');

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
    if (config.stepUp && !frame.stepUpFresh(session)) return reply.redirect(frame.stepUpRedirect(req), 303);
    // T1 fail closed: every console page says so while card checkout is off, until the finding is dealt with.
    req.consoleBanner = frame.banner(req, session);
  });

  async function loadSession(req: FastifyRequest, reply: FastifyReply) {
    const token = req.cookies[cookie.name];
    const session = await frame.readSession(token);
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
