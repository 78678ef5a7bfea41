import { recordStaffAction } from '../../audit/record.ts';
import { adminPage } from '../../admin/layout.ts';
import { can } from '../../platform/permissions.ts';
import { AppError } from '../../platform/http/errors.ts';
import { html } from '../../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../../platform/http/reply.ts';
import { formatDateTime } from '../../platform/i18n/index.ts';
import type { RouteModule } from '../../services.ts';
import { t } from '../messages.ts';
import { watchedPages } from './page-fetch.ts';

const section = '/admin/security/pages';

/**
 * The payment-page watcher's console page (`security.read`) and the owner's approval of a new baseline
 * (`security.emergency` with step-up; audited and alerted). Nothing here edits a page, a template or a script.
 */
export const pageWatchAdminRoutes: RouteModule = (app, s) => {
  app.get('/security/pages', { config: { permission: 'security.read' } }, async (req, reply) => {
    const l = req.locale;
    const watch = s.integrity.pageWatch;
    const round = watch.lastRound();
    const problem = watch.problem();
    const baseline = await watch.newestBaseline();
    const done = (req.query as Record<string, unknown>).done === '1';
    const condition = watch.condition();
    const state = problem === undefined ? 'not-started' : problem !== null ? 'problem' : condition === 'cannot_shop' ? 'cannot-shop' : 'ok';
    const body = html`${done ? html`<p class="alert alert-success" role="status">${t(l, 'approvedDone')}</p>` : ''}
<p class="muted">${t(l, 'watchIntro')}</p>
<dl class="summary page-watch-state">
  <dt>${t(l, 'status')}</dt>
  <dd data-page-watch="${state}">${problem === undefined ? t(l, 'watchNotStarted') : problem === null ? html`<span class="status">${t(l, 'noDifferences')}</span>${condition ? html` <strong class="alert-info" data-page-watch-condition="${condition}">${t(l, `reason_${condition}`)}</strong>` : ''}` : html`<strong class="alert-error">${t(l, `reason_${problem}`)}</strong>`}</dd>
  <dt>${t(l, 'watchMode')}</dt><dd>${s.integrity.config.pageWatch.browser}</dd>
  <dt>${t(l, 'watchUrl')}</dt><dd><code>${watch.target() ?? '—'}</code></dd>
  <dt>${t(l, 'interval')}</dt><dd>${t(l, 'seconds', { n: s.integrity.config.pageWatch.intervalSeconds })}</dd>
  <dt>${t(l, 'lastRound')}</dt><dd>${round ? t(l, 'lastWatchValue', { at: formatDateTime(round.at, l), n: round.compared.length, ms: Math.round(round.ms) }) : t(l, 'never')}</dd>
  <dt>${t(l, 'compared')}</dt><dd>${round?.compared.length ? round.compared.map((p) => t(l, `page_${p}`)).join(', ') : '—'}</dd>
  ${round?.notes.length ? html`<dt>${t(l, 'notes')}</dt><dd><ul class="small">${round.notes.map((n) => html`<li>${n}</li>`)}</ul></dd>` : ''}
  <dt>${t(l, 'watchBaseline')}</dt><dd>${baseline ? html`${t(l, 'watchBaselineValue', { source: t(l, `source_${baseline.source}`), at: formatDateTime(baseline.createdAt, l), pages: Object.keys(baseline.pages).length })} <code>${baseline.digest.slice(0, 16)}</code>` : t(l, 'noBaseline')}</dd>
</dl>
<h2>${t(l, 'differences')}</h2>
${round?.differences.length ? html`<ul class="page-differences">${round.differences.map((d) => html`<li><strong>${t(l, `page_${d.page as (typeof watchedPages)[number]}`)}</strong>: <code>${d.what}</code></li>`)}</ul>` : html`<p>${t(l, 'noDifferences')}</p>`}
${req.staff && can(req.staff.role, 'security.emergency') && problem !== undefined
  ? html`<form method="post" action="${section}/baseline" class="stack narrow"><p class="small muted">${t(l, 'approveHint')}</p><button type="submit" class="btn btn-secondary">${t(l, 'approveBaseline')}</button></form>`
  : ''}`;
    return sendHtml(reply, adminPage(req, { title: t(l, 'watchTitle'), section, body }));
  });

  app.post('/security/pages/baseline', { config: { permission: 'security.emergency', stepUp: true } }, async (req, reply) => {
    const watch = s.integrity.pageWatch;
    if (watch.problem() === undefined) throw new AppError('conflict');
    const made = await watch.approve(req.staff!.id);
    await recordStaffAction(s.ctx.db, { staff: req.staff!, action: 'integrity.page_baseline_approve', object: { type: 'page_baseline', id: made.id }, detail: { digest: made.digest.slice(0, 16), pages: Object.keys(made.pages) }, req });
    return redirectAfterPost(reply, `${section}?done=1`);
  });
};
