import { html } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import { formatDateTime } from '../platform/i18n/index.ts';
import type { RouteModule } from '../services.ts';
import { storePage } from '../storefront/layout.ts';
import { t } from './messages.ts';
import { antiPhishing } from './notice-text.ts';
import { publishedNotices } from './notices.ts';
import { incidentDb } from './tables.ts';

/**
 * `/notice`: the published お詫びとお知らせ (T4: a customer can check here that a mail claiming to be from the shop is
 * real). It stays open while the store is closed.
 */
export const incidentPublicRoutes: RouteModule = (app, s) => {
  const db = incidentDb(s.ctx.db);
  app.get('/notice', async (req, reply) => {
    const l = req.locale;
    const notices = await publishedNotices(db);
    const body = html`<h1>${t(l, 'publicTitle')}</h1>
${notices.length === 0 ? html`<p>${t(l, 'publicNone')}</p>` : notices.map((n) => html`<article class="notice" id="incident-${n.incident_id}">
<h2>${n.body.title}</h2><p class="muted">${formatDateTime(new Date(n.published_at!), l)}（第${n.version}版）</p>
<h3>経緯</h3><p>${n.body.background}</p><h3>漏えい等の状況</h3><p>${n.body.status}</p><h3>お客様へのお願い</h3><p>${n.body.request}</p><h3>再発防止</h3><p>${n.body.prevention}</p><h3>${t(l, 'publicContact')}</h3><p>${n.body.contact}</p></article>`)}
<p><strong>${antiPhishing(l, s.ctx.config.publicUrl)}</strong></p>`;
    return sendHtml(reply, storePage(req, await s.chrome(req), { title: t(l, 'publicTitle'), body }));
  });
};
