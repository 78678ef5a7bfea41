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
import { registerCriticalAlertBanner } from './banner.ts';
import { acknowledgeAlert, getAlert, listAlerts, resolveAlert } from './queries.ts';
import type { AlertSeverity } from './tables.ts';

const section = '/admin/security/alerts';
const severities = ['critical', 'high', 'medium', 'low'] as const;
const filterSchema = z.object({ status: z.enum(['open', 'acknowledged', 'resolved', 'all']).catch('open'), severity: z.enum(severities).optional().catch(undefined) });

function idOf(req: FastifyRequest): number {
  const raw = (req.params as { id: string }).id;
  if (!/^\d{1,15}$/.test(raw)) throw new AppError('not_found');
  return Number(raw);
}

/** Issue 12: the alerts the store raised, with filters, a detail page and acknowledgement with a note (audited). */
export const alertsAdminRoutes: RouteModule = (app, s) => {
  registerCriticalAlertBanner(app, s);
  app.get('/security/alerts', { config: { permission: 'security.read' } }, async (req, reply) => {
    const l = req.locale;
    const f = filterSchema.parse(req.query ?? {});
    const alerts = await listAlerts(s.ctx.db, { status: f.status, severity: f.severity });
    const option = (value: string, label: string, current: string | undefined) => html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
    const body = html`<p class="muted">${t(l, 'intro')}</p>
<form method="get" action="${section}" class="filters">
<label for="status">${t(l, 'filterStatus')}</label> <select id="status" name="status">${option('open', t(l, 'open'), f.status)}${option('acknowledged', t(l, 'acknowledgedStatus'), f.status)}${option('resolved', t(l, 'resolved'), f.status)}${option('all', t(l, 'all'), f.status)}</select>
<label for="severity">${t(l, 'filterSeverity')}</label> <select id="severity" name="severity">${option('', t(l, 'any'), f.severity)}${severities.map((v) => option(v, t(l, `sev_${v}`), f.severity))}</select>
<button type="submit" class="btn btn-secondary">${t(l, 'filter')}</button></form>
${alerts.length
  ? html`<div class="table-scroll"><table class="table alerts">
<thead><tr><th scope="col">${t(l, 'severity')}</th><th scope="col">${t(l, 'alert')}</th><th scope="col">${t(l, 'kind')}</th><th scope="col">${t(l, 'seen')}</th><th scope="col">${t(l, 'lastSeen')}</th><th scope="col">${t(l, 'status')}</th></tr></thead>
<tbody>${alerts.map((a) => html`<tr data-alert="${a.id}"><td><span class="badge severity-${a.severity}">${t(l, `sev_${a.severity}`)}</span></td><td><a href="${section}/${a.id}">${a.title}</a></td><td><code>${a.kind}</code></td><td>${a.occurrences}</td><td>${formatDateTime(a.lastSeenAt, l)}</td><td>${a.resolvedAt ? t(l, 'resolved') : a.acknowledgedAt ? t(l, 'acknowledgedStatus') : html`<strong>${t(l, 'open')}</strong>`}</td></tr>`)}</tbody></table></div>`
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

  app.post('/security/alerts/:id/resolve', { config: { permission: 'security.read' } }, async (req, reply) => {
    const id = idOf(req);
    const note = String((req.body as Record<string, unknown> | undefined)?.resolution ?? '').trim().slice(0, 1000);
    if (!note) return renderDetail(s, req, reply, id, t(req.locale, 'noteRequired'), 422, 'resolution');
    const staff = req.staff!;
    const done = await s.ctx.db.transaction().execute(async (trx) => {
      const ok = await resolveAlert(trx, id, staff.id, note);
      if (ok) await recordStaffAction(trx, { staff, action: 'alert.resolve', object: { type: 'alert', id }, req });
      return ok;
    });
    if (!done && !(await getAlert(s.ctx.db, id))) throw new AppError('not_found');
    return redirectAfterPost(reply, `${section}/${id}?resolved=1`);
  });
};

async function renderDetail(s: Services, req: FastifyRequest, reply: FastifyReply, id: number, error: string | null, status = 200, field: 'note' | 'resolution' = 'note') {
  const l = req.locale;
  const a = await getAlert(s.ctx.db, id);
  if (!a) throw new AppError('not_found');
  const q = req.query as Record<string, unknown>;
  const noteError = field === 'note' ? error : null;
  const resolutionError = field === 'resolution' ? error : null;
  const body = html`${q.done === '1' ? html`<p class="alert alert-success" role="status">${t(l, 'done')}</p>` : ''}${q.resolved === '1' ? html`<p class="alert alert-success" role="status">${t(l, 'resolvedDone')}</p>` : ''}
<dl class="summary">
  <dt>${t(l, 'severity')}</dt><dd><span class="badge severity-${a.severity}">${t(l, `sev_${a.severity}` as `sev_${AlertSeverity}`)}</span></dd>
  <dt>${t(l, 'kind')}</dt><dd><code>${a.kind}</code></dd>
  <dt>${t(l, 'firstSeen')}</dt><dd>${formatDateTime(a.createdAt, l)}</dd>
  <dt>${t(l, 'lastSeen')}</dt><dd>${formatDateTime(a.lastSeenAt, l)}</dd>
  <dt>${t(l, 'seen')}</dt><dd>${a.occurrences}</dd>
  <dt>${t(l, 'notifications')}</dt><dd>${a.notifications}</dd>
</dl>
<details><summary>${t(l, 'rawDetail')}</summary><pre class="small">${JSON.stringify(a.detail, null, 2)}</pre></details>
<form method="post" action="/admin/security/incidents/from-alert/${a.id}"><p class="muted small">${t(l, 'declareHint')}</p><button type="submit" class="btn-danger">${t(l, 'declareIncident')}</button></form>
${a.acknowledgedAt
  ? html`<p>${t(l, 'acknowledgedAt', { at: formatDateTime(a.acknowledgedAt, l), by: a.acknowledgedBy ?? '—' })}</p><p class="small">${a.note ?? ''}</p>`
  : html`<form method="post" action="${section}/${a.id}/acknowledge" class="stack">
<div class="field"><label for="note">${t(l, 'note')}</label>
<textarea id="note" name="note" rows="3" maxlength="1000" required${noteError ? html` aria-invalid="true" aria-describedby="note-error"` : ''}></textarea>
${noteError ? html`<p class="field-error" id="note-error">${noteError}</p>` : ''}</div>
<button type="submit" class="btn">${t(l, 'acknowledge')}</button></form>`}
${a.resolvedAt
  ? html`<p data-resolved="1"><strong>${t(l, 'resolvedAt', { at: formatDateTime(a.resolvedAt, l) })}</strong></p><p class="small">${a.resolutionNote ?? ''}</p>`
  : html`<form method="post" action="${section}/${a.id}/resolve" class="stack">
<p class="muted small">${t(l, 'resolveHint')}</p>
<div class="field"><label for="resolution">${t(l, 'resolved')}: ${t(l, 'note')}</label>
<textarea id="resolution" name="resolution" rows="2" maxlength="1000" required${resolutionError ? html` aria-invalid="true" aria-describedby="resolution-error"` : ''}></textarea>
${resolutionError ? html`<p class="field-error" id="resolution-error">${resolutionError}</p>` : ''}</div>
<button type="submit" class="btn btn-secondary">${t(l, 'resolve')}</button></form>`}
<p><a href="${section}">${t(l, 'back')}</a></p>`;
  return sendHtml(reply, adminPage(req, { title: `${t(l, 'title')}: ${a.title}`, section, body }), status);
}
