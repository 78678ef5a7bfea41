import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { adminPage } from '../admin/layout.ts';
import { AppError } from '../platform/http/errors.ts';
import { parseInput, type FieldErrors } from '../platform/http/forms.ts';
import { html } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import { formatDateTime } from '../platform/i18n/index.ts';
import type { RouteModule, Services } from '../services.ts';
import { t } from './messages.ts';
import { pageWatchAdminRoutes } from './page-watch/page-watch-routes.ts';
import { scriptInventoryAdminRoutes } from './scripts/script-inventory-routes.ts';

const integritySection = '/admin/security/integrity';
const ackSchema = z.object({ note: z.string().trim().min(1).max(1000) });

/**
 * The security console pages (`security.read`). Read-only except acknowledging a finding, which is an
 * owner's act with step-up (it re-enables card checkout); nothing here changes code, templates or the baseline.
 */
export const integrityAdminRoutes: RouteModule = (app, s) => {
  pageWatchAdminRoutes(app, s);
  scriptInventoryAdminRoutes(app, s);
  app.get('/security/integrity', { config: { permission: 'security.read' } }, async (req, reply) => renderIntegrity(s, req, reply, {}));

  app.post('/security/integrity/findings/:id/acknowledge', { config: { permission: 'security.emergency', stepUp: true } }, async (req, reply) => {
    const raw = (req.params as { id: string }).id;
    if (!/^\d{1,15}$/.test(raw)) throw new AppError('not_found');
    const id = Number(raw);
    const parsed = parseInput(ackSchema, req.body, req.locale);
    if (!parsed.ok) return renderIntegrity(s, req, reply, { errorFor: id, errors: parsed.errors, note: String((req.body as Record<string, unknown> | undefined)?.note ?? '') }, 422);
    const ok = await s.integrity.acknowledge(id, req.staff!, parsed.data.note, req);
    if (!ok) throw new AppError('not_found');
    return redirectAfterPost(reply, `${integritySection}?done=1`);
  });

  app.get('/security/csp-reports', { config: { permission: 'security.read' } }, async (req, reply) => {
    const l = req.locale;
    const rows = await s.ctx.db.selectFrom('csp_report').selectAll().orderBy('payment_page', 'desc').orderBy('last_seen_at', 'desc').limit(500).execute();
    const body = html`<p class="muted">${t(l, 'cspIntro')}</p>
${rows.length
  ? html`<div class="table-scroll"><table class="table csp-reports">
<thead><tr><th scope="col">${t(l, 'page')}</th><th scope="col">${t(l, 'directive')}</th><th scope="col">${t(l, 'blocked')}</th><th scope="col">${t(l, 'source')}</th><th scope="col">${t(l, 'count')}</th><th scope="col">${t(l, 'firstSeen')}</th><th scope="col">${t(l, 'lastSeen')}</th></tr></thead>
<tbody>${rows.map(
      (r) => html`<tr${r.payment_page ? html` class="payment-page"` : ''}><td><code>${r.document_path}</code>${r.payment_page ? html` <span class="badge">${t(l, 'payment')}</span>` : ''}</td><td><code>${r.directive}</code>${r.disposition === 'report' ? ' (report-only)' : ''}</td><td><code>${r.blocked}</code></td><td>${r.source_file ? html`<code>${r.source_file}</code>` : ''}</td><td>${r.count}</td><td>${formatDateTime(r.first_seen_at, l)}</td><td>${formatDateTime(r.last_seen_at, l)}</td></tr>`,
    )}</tbody></table></div>`
  : html`<p>${t(l, 'noReports')}</p>`}`;
    return sendHtml(reply, adminPage(req, { title: t(l, 'cspTitle'), section: '/admin/security/csp-reports', body }));
  });
};

async function renderIntegrity(s: Services, req: FastifyRequest, reply: FastifyReply, form: { errorFor?: number; errors?: FieldErrors; note?: string }, status = 200) {
  const l = req.locale;
  const integrity = s.integrity;
  const st = integrity.status();
  const rows = await s.ctx.db
    .selectFrom('integrity_finding')
    .leftJoin('staff', 'staff.id', 'integrity_finding.acknowledged_by')
    .select(['integrity_finding.id', 'kind', 'path', 'instance', 'first_seen_at', 'last_seen_at', 'acknowledged_at', 'acknowledgement_note', 'staff.name as acknowledged_by_name'])
    .orderBy('acknowledged_at', (ob) => ob.desc().nullsFirst())
    .orderBy('integrity_finding.id', 'desc')
    .limit(300)
    .execute();
  const open = rows.filter((r) => !r.acknowledged_at);
  const done = (req.query as Record<string, unknown>).done === '1';
  const body = html`${done ? html`<p class="alert alert-success" role="status">${t(l, 'acknowledgedDone')}</p>` : ''}
<p class="muted">${t(l, 'intro')}</p>
<dl class="summary integrity-state">
  <dt>${t(l, 'cardCheckout')}</dt>
  <dd data-card-checkout="${st.allowed ? 'enabled' : 'disabled'}">${st.allowed ? html`<span class="status">${t(l, 'enabled')}</span>` : html`<strong class="alert-error">${t(l, 'disabled')}</strong> — ${t(l, `reason_${st.reason!}`)}`}</dd>
  <dt>${t(l, 'root')}</dt><dd><code>${st.root}</code></dd>
  <dt>${t(l, 'interval')}</dt><dd>${t(l, 'seconds', { n: st.intervalSeconds })}</dd>
  <dt>${t(l, 'baseline')}</dt><dd>${st.manifest ? html`${t(l, 'baselineFiles', { n: st.manifest.files, at: formatDateTime(new Date(st.manifest.createdAt), l) })} <code>${st.manifest.digest}</code>` : t(l, 'noBaseline')}</dd>
  <dt>${t(l, 'lastRound')}</dt><dd>${st.lastRound ? t(l, 'lastRoundValue', { at: formatDateTime(st.lastRound.at, l), files: st.lastRound.files, ms: Math.round(st.lastRound.ms) }) : t(l, 'never')}</dd>
</dl>
<h2>${t(l, 'findings')}</h2>
${open.length ? html`<p class="alert alert-info">${t(l, 'howToClear')}</p>` : ''}
${rows.length
  ? html`<div class="table-scroll"><table class="table integrity-findings">
<thead><tr><th scope="col">${t(l, 'kind')}</th><th scope="col">${t(l, 'path')}</th><th scope="col">${t(l, 'firstSeen')}</th><th scope="col">${t(l, 'lastSeen')}</th><th scope="col">${t(l, 'instance')}</th><th scope="col">${t(l, 'status')}</th></tr></thead>
<tbody>${rows.map((r) => {
      const err = form.errorFor === r.id ? form.errors?.note : undefined;
      return html`<tr><td>${t(l, `kind_${r.kind}`)}</td><td><code>${r.path}</code></td><td>${formatDateTime(r.first_seen_at, l)}</td><td>${formatDateTime(r.last_seen_at, l)}</td><td><code>${r.instance}</code></td><td>${
        r.acknowledged_at
          ? html`${t(l, 'acknowledged')} ${formatDateTime(r.acknowledged_at, l)} ${t(l, 'by')}: ${r.acknowledged_by_name ?? '—'}<br><span class="small">${r.acknowledgement_note ?? ''}</span>`
          : html`<form method="post" action="${integritySection}/findings/${r.id}/acknowledge" class="stack">
<div class="field"><label for="note-${r.id}">${t(l, 'note')}</label>
<textarea id="note-${r.id}" name="note" rows="2" maxlength="1000" required${err ? html` aria-invalid="true" aria-describedby="note-${r.id}-error"` : ''}>${form.errorFor === r.id ? (form.note ?? '') : ''}</textarea>
${err ? html`<p class="field-error" id="note-${r.id}-error">${err}</p>` : ''}</div>
<button type="submit" class="btn btn-secondary">${t(l, 'acknowledge')}</button></form>`
      }</td></tr>`;
    })}</tbody></table></div>`
  : html`<p>${t(l, 'noFindings')}</p>`}`;
  return sendHtml(reply, adminPage(req, { title: t(l, 'integrityTitle'), section: integritySection, body }), status);
}
