import { sql } from 'kysely';
import { html } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import { can } from '../identity/permissions.ts';
import { adminPage } from './layout.ts';
import { t } from './messages.ts';

export const adminDashboardRoutes: RouteModule = (app, s) => {
  app.get('/', { config: { permission: 'dashboard.view' } }, async (req, reply) => {
    const { db } = s.ctx;
    const l = req.locale;
    const counts = await db
      .selectFrom('orders')
      .select([
        sql<number>`count(*) filter (where placed_at >= date_trunc('day', now() at time zone 'Asia/Tokyo') at time zone 'Asia/Tokyo')::int`.as('today'),
        sql<number>`count(*) filter (where status = 'awaiting_payment')::int`.as('awaiting'),
        sql<number>`count(*) filter (where status = 'paid' or (status = 'awaiting_payment' and payment_method = 'cod'))::int`.as('to_ship'),
      ])
      .executeTakeFirstOrThrow();
    // Products with at least one variant at 5 or fewer, matching /admin/products?stock=low.
    const lowStock = await db
      .selectFrom('product')
      .select(sql<number>`count(*)::int`.as('n'))
      .where(({ exists, selectFrom }) => exists(selectFrom('variant').select('variant.id').whereRef('variant.product_id', '=', 'product.id').where('variant.stock', '<=', 5)))
      .executeTakeFirstOrThrow();
    const body = html`<h2 class="visually-hidden">${t(l, 'dashboardIntro')}</h2>
<div class="stats">
  <a class="stat" href="/admin/orders"><span>${t(l, 'ordersToday')}</span><strong>${counts.today}</strong></a>
  <a class="stat" href="/admin/orders?status=awaiting_payment"><span>${t(l, 'awaitingPayment')}</span><strong>${counts.awaiting}</strong></a>
  <a class="stat" href="/admin/orders?status=paid"><span>${t(l, 'toShip')}</span><strong>${counts.to_ship}</strong></a>
  <a class="stat" href="/admin/products?stock=low"><span>${t(l, 'lowStock')}</span><strong>${lowStock.n}</strong></a>
  ${can(req.staff!.role, 'security.read') ? html`<a class="stat" href="/admin/security"><span>${t(l, 'navSecurityOverview')}</span><strong aria-hidden="true">→</strong></a>` : ''}
</div>`;
    return sendHtml(reply, adminPage(req, { title: t(l, 'navDashboard'), body, section: '/admin' }));
  });
};
