import type { FastifyInstance, FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { can } from '../platform/permissions.ts';
import { AppError } from '../platform/http/errors.ts';
import { formValues, successAlert, textareaField } from '../platform/http/form-fields.ts';
import { html } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import { t } from './messages.ts';
import { ppcDraft, ppcFieldLabels, ppcFields, type PpcStage } from './ppc.ts';
import { getIncident } from './store.ts';
import type { IncidentDb } from './tables.ts';
import { addEvent } from './timeline.ts';
import { section } from './views.ts';

const stageOf = (raw: string | undefined): PpcStage => {
  if (raw !== 'preliminary' && raw !== 'final') throw new AppError('not_found');
  return raw;
};
const idOf = (req: FastifyRequest) => {
  const raw = (req.params as Record<string, string>).id ?? '';
  if (!/^\d{1,9}$/.test(raw)) throw new AppError('not_found');
  return Number(raw);
};

/** Saves the owner's wording of the PPC report fields; an emptied field goes back to the generated text. */
export async function saveReport(db: IncidentDb, incidentId: number, stage: PpcStage, values: Record<string, string | undefined>, staffId: number): Promise<string[]> {
  const fields: Record<string, string> = {};
  for (const f of ppcFields) {
    const v = (values[f] ?? '').trim().slice(0, 8000);
    if (v) fields[f] = v;
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('incident_report')
      .values({ incident_id: incidentId, stage, fields: JSON.stringify(fields), saved_by: staffId })
      .onConflict((oc) => oc.columns(['incident_id', 'stage']).doUpdateSet({ fields: JSON.stringify(fields), saved_by: staffId, saved_at: new Date() }))
      .execute();
    await addEvent(trx, incidentId, staffId, 'report_saved', { stage, edited: Object.keys(fields).length });
  });
  return Object.keys(fields);
}

/** Marks a stage's report as handed to the commission (the deadline reminders for it stop), or not. */
export async function markSubmitted(db: IncidentDb, incidentId: number, stage: PpcStage, submitted: boolean, staffId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('incident_report')
      .values({ incident_id: incidentId, stage, fields: '{}', saved_by: staffId, submitted_at: submitted ? new Date() : null })
      .onConflict((oc) => oc.columns(['incident_id', 'stage']).doUpdateSet({ submitted_at: submitted ? new Date() : null }))
      .execute();
    await addEvent(trx, incidentId, staffId, 'report_submitted', { stage, submitted });
  });
}

/** `/admin/security/incidents/:id/report/:stage/edit`: every field of the commission's form, pre-filled, editable. */
export function registerReportRoutes(app: FastifyInstance, db: IncidentDb): void {
  app.get('/security/incidents/:id/report/:stage/edit', { config: { permission: 'incidents.read' } }, async (req, reply) => {
    const l = req.locale;
    const inc = await getIncident(db, idOf(req));
    if (!inc) throw new AppError('not_found');
    const stage = stageOf((req.params as Record<string, string>).stage);
    const r = await ppcDraft(db, inc, stage);
    const manage = can(req.staff!.role, 'incidents.manage');
    const base = `${section}/${inc.id}/report/${stage}`;
    const saved = (req.query as Record<string, unknown>).done === '1';
    const body = html`${successAlert(saved ? t(l, 'saved') : null)}
<p>${t(l, 'reportEditIntro', { stage: r.stage_label })}</p>
<p>${t(l, 'reportDeadline')}: <strong>${new Date(r.deadline).toLocaleString(l === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo' })}</strong>${r.submitted_at ? html` · <strong data-submitted="1">${t(l, 'reportSubmittedAt')}</strong>` : ''}</p>
<form method="post" action="${base}" novalidate>
${ppcFields.map((f) => textareaField({ name: f, label: `${ppcFieldLabels[f]}${r.edited.includes(f) ? `（${t(l, 'reportEdited')}）` : ''}`, value: r.fields[f], rows: f === 'overview' || f === 'cause' ? 5 : 3, maxlength: 8000 }))}
${manage ? html`<button type="submit" class="btn">${t(l, 'saveNotice')}</button>` : ''}</form>
${manage ? html`<form method="post" action="${base}/submitted" class="inline"><input type="hidden" name="submitted" value="${r.submitted_at ? '0' : '1'}"><button type="submit" class="btn btn-secondary">${r.submitted_at ? t(l, 'reportUnsubmit') : t(l, 'reportMarkSubmitted', { stage: r.stage_label })}</button></form>` : ''}
<p><a href="${section}/${inc.id}/report?ppc=${stage}">${t(l, 'reportText')}</a> · <a href="${section}/${inc.id}/report?ppc=${stage}&amp;format=pdf">PDF</a> · <a href="${section}/${inc.id}">${t(l, 'backToCase')}</a></p>`;
    return sendHtml(reply, adminPage(req, { title: `#${inc.id} ${t(l, 'report')}（${r.stage_label}）`, body, section }));
  });

  app.post('/security/incidents/:id/report/:stage', { config: { permission: 'incidents.manage' } }, async (req, reply) => {
    const id = idOf(req);
    const stage = stageOf((req.params as Record<string, string>).stage);
    if (!(await getIncident(db, id))) throw new AppError('not_found');
    await saveReport(db, id, stage, formValues(req.body), req.staff!.id);
    return redirectAfterPost(reply, `${section}/${id}/report/${stage}/edit?done=1`);
  });

  app.post('/security/incidents/:id/report/:stage/submitted', { config: { permission: 'incidents.manage', stepUp: true } }, async (req, reply) => {
    const id = idOf(req);
    const stage = stageOf((req.params as Record<string, string>).stage);
    if (!(await getIncident(db, id))) throw new AppError('not_found');
    await markSubmitted(db, id, stage, formValues(req.body).submitted === '1', req.staff!.id);
    return redirectAfterPost(reply, `${section}/${id}/report/${stage}/edit?done=1`);
  });
}
