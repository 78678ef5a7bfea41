import { sql } from 'kysely';
import { html } from '../platform/http/html.ts';
import { formatDateTime, formatYen } from '../platform/i18n/index.ts';

const dayMs = 24 * 3600_000;
import { sendHtml } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import { can } from '../platform/permissions.ts';
import { adminPage } from './layout.ts';
import { t } from './messages.ts';
import { dailySales, salesFigures } from './dashboard-figures.ts';
import { salesChart } from './sales-chart.ts';

export const adminDashboardRoutes: RouteModule = (app, s) => {
  app.get('/', { config: { permission: 'dashboard.view' } }, async (req, reply) => {
    const { db } = s.ctx;
    const l = req.locale;
    const counts = await db
      .selectFrom('orders')
      .select([
        sql<number>`count(*) filter (where placed_at >= date_trunc('day', now() at time zone 'Asia/Tokyo') at time zone 'Asia/Tokyo')::int`.as('today'),
        // Issue 16: per method. A COD order waiting for its money is waiting to ship, not for a transfer; an unfinished
        // card payment is not a transfer to look out for either.
        sql<number>`count(*) filter (where status = 'awaiting_payment' and payment_method = 'bank_transfer')::int`.as('awaiting'),
        sql<number>`count(*) filter (where status = 'awaiting_payment' and payment_method = 'card')::int`.as('card_pending'),
        sql<number>`count(*) filter (where status = 'paid' or (status = 'awaiting_payment' and payment_method = 'cod'))::int`.as('to_ship'),
      ])
      .executeTakeFirstOrThrow();
    const recent = await s.orders.recentForConsole(10, l);
    // Products with at least one variant at 5 or fewer, matching /admin/products?stock=low.
    const lowStock = await db
      .selectFrom('product')
      .select(sql<number>`count(*)::int`.as('n'))
      .where(({ exists, selectFrom }) => exists(selectFrom('variant').select('variant.id').whereRef('variant.product_id', '=', 'product.id').where('variant.stock', '<=', 5)))
      .executeTakeFirstOrThrow();
    const figures = await salesFigures(db);
    const days = await dailySales(db, 30);
    const body = html`<section aria-labelledby="sales-heading" class="dashboard-sales">
<h2 id="sales-heading">${t(l, 'salesHeading')}</h2>
<div class="stats">
  <div class="stat" data-figure="sales-today"><span>${t(l, 'salesToday')}</span><strong>${formatYen(figures.today.sales, l)}</strong><span class="small muted">${t(l, 'ordersToday')} ${t(l, 'countUnit', { n: figures.today.orders })}</span></div>
  <div class="stat" data-figure="sales-month"><span>${t(l, 'salesMonth')}</span><strong>${formatYen(figures.month.sales, l)}</strong><span class="small muted">${t(l, 'ordersMonth')} ${t(l, 'countUnit', { n: figures.month.orders })}</span></div>
  <div class="stat" data-figure="average-today"><span>${t(l, 'averageToday')}</span><strong>${formatYen(figures.today.average, l)}</strong></div>
  <div class="stat" data-figure="average-month"><span>${t(l, 'averageMonth')}</span><strong>${formatYen(figures.month.average, l)}</strong></div>
</div>
${salesChart(days, l)}
<p class="small muted">${t(l, 'salesExplain')}</p>
</section>
<h2 class="visually-hidden">${t(l, 'dashboardIntro')}</h2>
<div class="stats">
  <a class="stat" href="/admin/orders"><span>${t(l, 'ordersToday')}</span><strong>${counts.today}</strong></a>
  <a class="stat" href="/admin/orders?status=awaiting_payment&amp;payment=bank_transfer"><span>${t(l, 'awaitingPayment')}</span><strong>${counts.awaiting}</strong></a>
  <a class="stat" href="/admin/orders?status=awaiting_payment&amp;payment=card"><span>${t(l, 'cardPending')}</span><strong>${counts.card_pending}</strong></a>
  <a class="stat" href="/admin/orders?status=paid"><span>${t(l, 'toShip')}</span><strong>${counts.to_ship}</strong></a>
  <a class="stat" href="/admin/products?stock=low"><span>${t(l, 'lowStock')}</span><strong>${lowStock.n}</strong></a>
  ${can(req.staff!.role, 'security.read') ? html`<a class="stat" href="/admin/security"><span>${t(l, 'navSecurityOverview')}</span><strong aria-hidden="true">→</strong></a>` : ''}
</div>
<section aria-labelledby="recent-orders">
<h2 id="recent-orders">${t(l, 'recentOrders')}</h2>
<p class="muted small">${t(l, 'recentOrdersHint')}</p>
${recent.length
  ? html`<div class="table-scroll"><table class="table recent-orders">
<thead><tr><th scope="col">${t(l, 'colNumber')}</th><th scope="col">${t(l, 'colPlaced')}</th><th scope="col">${t(l, 'colPayment')}</th><th scope="col">${t(l, 'colStatus')}</th><th scope="col" class="num">${t(l, 'colTotal')}</th></tr></thead>
<tbody>${recent.map((o) => html`<tr><td><a href="/admin/orders/${o.id}">${o.number}</a>${Date.now() - o.placedAt.getTime() < dayMs ? html` <span class="badge">${t(l, 'newBadge')}</span>` : ''}</td><td>${formatDateTime(o.placedAt, l)}</td><td>${o.paymentLabel}</td><td><span class="status status-${o.status}">${o.statusLabel}</span></td><td class="num">${formatYen(o.total, l)}</td></tr>`)}</tbody>
</table></div>`
  : html`<p>${t(l, 'noOrders')}</p>`}
</section>`;
    return sendHtml(reply, adminPage(req, { title: t(l, 'navDashboard'), body, section: '/admin' }));
  });
};
