import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can } from '../platform/permissions.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import type { Services } from '../services.ts';
import { t } from './messages.ts';
import { openCriticalAlerts } from './queries.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Unacknowledged critical alerts, for the banner on every console page (staff with security.read). */
    criticalAlerts?: Array<{ id: number; title: string }>;
  }
}

/**
 * Issue 12: an unacknowledged critical alert shows on every console page until someone acknowledges it.
 * One indexed query (the partial index on open alerts) per console page view, for staff who may see alerts.
 */
export function registerCriticalAlertBanner(admin: FastifyInstance, s: Services): void {
  admin.addHook('preHandler', async (req) => {
    if (req.method !== 'GET' || !req.staff || !can(req.staff.role, 'security.read')) return;
    req.criticalAlerts = await openCriticalAlerts(s.ctx.db);
    req.alertBanner = criticalAlertBanner(req) || null; // rendered by the console frame (admin/layout.ts)
  });
}

export function criticalAlertBanner(req: FastifyRequest): SafeHtml | '' {
  const open = req.criticalAlerts;
  if (!open?.length) return '';
  const l = req.locale;
  return html`<div class="alert alert-error security-banner" role="alert" data-critical-alerts="${open.length}"><strong>${t(l, 'bannerTitle')}</strong> ${open.map((a, i) => html`${i ? '、' : ''}<a href="/admin/security/alerts/${a.id}">${a.title}</a>`)} <span>${t(l, 'bannerBody')}</span></div>`;
}
