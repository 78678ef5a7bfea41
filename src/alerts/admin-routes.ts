import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { adminPage } from '../admin/layout.ts';
import { recordStaffAction } from '../audit/record.ts';
import { AppError } from '../platform/http/errors.ts';
import { html } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import { formatDateTime } from '../platform/i18n/index.ts';
import type { RouteModule, Services } from '../services.ts';
import { t } from './messages.ts';
import { acknowledgeAlert, getAlert, listAlerts } from './queries.ts';
import type { AlertSeverity } from './tables.ts';

const section = '/admin/security/alerts';
const severities = ['critical', 'high', 'medium', 'low'] as const;
const filterSchema = z.object({ status: z.enum(['open', 'acknowledged', 'all']).catch('open'), severity: z.enum(severities).optional().catch(undefined) });

function idOf(req: FastifyRequest): number {
  const raw = (req.params as { id: string }).id;
  if (!/^\d{1,15}$/.test(raw)) throw new AppError('not_found');
  return Number(raw);
}

/** Issue 12: the alerts the store raised, with filters, a detail page and acknowledgement with a note (audited). */
export const alertsAdminRoutes: RouteModule = (app, s) => {
  app.get('/security/alerts', { config: { permission: 'security.read' } }, async (req, reply) => {
    const l = req.locale;
    const f = filterSchema.parse(req.query ?? {});
    const alerts = await listAlerts(s.ctx.db, { status: f.status, severity: f.severity });
    const option = (value: string, label: string, current: string | undefined) => html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
    const body = html`<p class="muted">${t(l, 'intro')}</p>
<form method="get" action="${section}" class="filters">
<label for="status">${t(l, 'filterStatus')}</label> <select id="status" name="status">${option('open', t(l, 'open'), f.status)}${option('acknowledged', t(l, 'acknowledgedStatus'), f.status)}${option('all', t(l, 'all'), f.status)}</select>
<label for="severity">${t(l, 'filterSeverity')}</label> <select id="severity" name="severity">${option('', t(l, 'any'), f.severity)}${severities.map((v) => option(v, t(l, `sev_${v}`), f.severity))}</select>
<button type="submit" class="btn btn-secondary">${t(l, 'filter')}</button></form>
${alerts.length
  ? html`<div class="table-scroll"><table class="table alerts">
<thead><tr><th scope="col">${t(l, 'severity')}</th><th scope="col">${t(l, 'alert')}</th><th scope="col">${t(l, 'kind')}</th><th scope="col">${t(l, 'seen')}</th><th scope="col">${t(l, 'lastSeen')}</th><th scope="col">${t(l, 'status')}</th></tr></thead>
<tbody>${alerts.map((a) => html`<tr data-alert="${a.id}"><td><span class="badge severity-${a.severity}">${t(l, `sev_${a.severity}`)}</span></td><td><a href="${section}/${a.id}">${a.title}</a></td><td><code>${a.kind}</code></td><td>${a.occurrences}</td><td>${formatDateTime(a.lastSeenAt, l)}</td><td>${a.acknowledgedAt ? t(l, 'acknowledgedStatus') : html`<strong>${t(l, 'open')}</strong>`}</td></tr>`)}</tbody></table></div>`
  : html`<p>${t(l, 'none')}</p>`}`;
    return sendHtml(reply, adminPage(req, { title: t(l, 'title'), section, body }));
  });

  app.get('/security/alerts/:id', { config: { permission: 'security.read' } }, async (req, reply) => renderDetail(s, req, reply, idOf(req), null));

  app.post('/security/alerts/:id/acknowledge', { config: { permission: 'security.read' } }, async (req, reply) => {
    const id = idOf(req);
    const note = String((req.body as Record<string, unknown> | undefined)?.note ?? '').trim().slice(0, 1000);
    if (!note) return renderDetail(s, req, reply, id, t(req.locale, 'noteRequired'), 422);
    const staff = req.staff!;
    const done = await s.ctx.db.transaction().execute(async (trx) => {
      const ok = await acknowledgeAlert(trx, id, staff.id, note);
      if (ok) await recordStaffAction(trx, { staff, action: 'alert.acknowledge', object: { type: 'alert', id }, req });
      return ok;
    });
    if (!done && !(await getAlert(s.ctx.db, id))) throw new AppError('not_found');
    return redirectAfterPost(reply, `${section}/${id}?done=1`);
  });
};

async function renderDetail(s: Services, req: FastifyRequest, reply: FastifyReply, id: number, error: string | null, status = 200) {
  const l = req.locale;
  const a = await getAlert(s.ctx.db, id);
  if (!a) throw new AppError('not_found');
  const done = (req.query as Record<string, unknown>).done === '1';
  const body = html`${done ? html`<p class="alert alert-success" role="status">${t(l, 'done')}</p>` : ''}
<dl class="summary">
  <dt>${t(l, 'severity')}</dt><dd><span class="badge severity-${a.severity}">${t(l, `sev_${a.severity}` as `sev_${AlertSeverity}`)}</span></dd>
  <dt>${t(l, 'kind')}</dt><dd><code>${a.kind}</code></dd>
  <dt>${t(l, 'firstSeen')}</dt><dd>${formatDateTime(a.createdAt, l)}</dd>
  <dt>${t(l, 'lastSeen')}</dt><dd>${formatDateTime(a.lastSeenAt, l)}</dd>
  <dt>${t(l, 'seen')}</dt><dd>${a.occurrences}</dd>
  <dt>${t(l, 'notifications')}</dt><dd>${a.notifications}</dd>
</dl>
<h2>${t(l, 'detail')}</h2>
<pre class="small">${JSON.stringify(a.detail, null, 2)}</pre>
${a.acknowledgedAt
  ? html`<p>${t(l, 'acknowledgedAt', { at: formatDateTime(a.acknowledgedAt, l), by: a.acknowledgedBy ?? '—' })}</p><p class="small">${a.note ?? ''}</p>`
  : html`<form method="post" action="${section}/${a.id}/acknowledge" class="stack">
<div class="field"><label for="note">${t(l, 'note')}</label>
<textarea id="note" name="note" rows="3" maxlength="1000" required${error ? html` aria-invalid="true" aria-describedby="note-error"` : ''}></textarea>
${error ? html`<p class="field-error" id="note-error">${error}</p>` : ''}</div>
<button type="submit" class="btn">${t(l, 'acknowledge')}</button></form>`}
<p><a href="${section}">${t(l, 'back')}</a></p>`;
  return sendHtml(reply, adminPage(req, { title: `${t(l, 'title')}: ${a.title}`, section, body }), status);
}
