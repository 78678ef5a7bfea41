import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { can } from '../platform/permissions.ts';
import { AppError } from '../platform/http/errors.ts';
import { formValues } from '../platform/http/form-fields.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { RouteModule, Services } from '../services.ts';
import { contain, ContainmentInputError, containmentActions, type ContainmentAction } from './containment.ts';
import { incidentFiles } from './files.ts';
import { textPdf } from './letters.ts';
import { parseDeclare } from './input.ts';
import { t } from './messages.ts';
import { noticeFor, startCampaign } from './campaign.ts';
import { publishNotice, saveNotice } from './notices.ts';
import { ppcDraft, ppcText } from './ppc.ts';
import { registerReportRoutes } from './report-routes.ts';
import { addOutsideContact, markContacted, parseOutsideContact } from './outside-contacts.ts';
import { latestScope, runScope } from './scope.ts';
import { parseScope } from './scope-input.ts';
import { incidentCase } from './service.ts';
import { addNote, addTask, declareIncident, getIncident, listIncidents, setTaskDone } from './store.ts';
import { incidentDb, type NoticeBody } from './tables.ts';
import { casePage, declareForm, listPage, section } from './views.ts';

function num(raw: string | undefined): number {
  if (!raw || !/^\d{1,9}$/.test(raw)) throw new AppError('not_found');
  return Number(raw);
}
const params = (req: FastifyRequest) => req.params as Record<string, string>;

/** Issue 13: the incident console (/admin/security/incidents). Owners declare, contain and notify (step-up); the `incident` role reads and writes notes. */
export const incidentAdminRoutes: RouteModule = (app, s) => {
  const db = incidentDb(s.ctx.db);
  const staffOf = (req: FastifyRequest) => req.staff!;

  async function renderCase(req: FastifyRequest, reply: FastifyReply, id: number, state: { notice?: string | null; errors?: Record<string, string> } = {}, status = 200) {
    const c = await incidentCase(s.ctx, id);
    if (!c) throw new AppError('not_found');
    const role = staffOf(req).role;
    const draft = await noticeFor(db, id, (await s.shop.get()).name);
    const body = casePage(req.locale, c, { canManage: can(role, 'incidents.manage'), canNote: can(role, 'incidents.note'), notice: state.notice ?? null, errors: state.errors ?? {}, draft });
    return sendHtml(reply, adminPage(req, { title: `#${id} ${c.incident.title}`, body, section }), status);
  }

  app.get('/security/incidents', { config: { permission: 'incidents.read' } }, async (req, reply) => {
    const l = req.locale;
    const body = listPage(l, await listIncidents(db), can(staffOf(req).role, 'incidents.manage'), declareForm(l));
    return sendHtml(reply, adminPage(req, { title: t(l, 'title'), body, section }));
  });

  app.post('/security/incidents', { config: { permission: 'incidents.manage', stepUp: true } }, async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const parsed = parseDeclare(values);
    if (!parsed.values) {
      const errors = Object.fromEntries(Object.entries(parsed.errors).map(([k, v]) => [k, t(l, v)]));
      return sendHtml(reply, adminPage(req, { title: t(l, 'title'), body: listPage(l, await listIncidents(db), true, declareForm(l, values, errors)), section }), 422);
    }
    const v = parsed.values;
    const { id } = await declareIncident(db, { title: v.title, kind: v.kind, severity: v.severity, knownAt: v.knownAt, leadStaffId: v.lead, alertId: null, declaredBy: staffOf(req).id });
    return redirectAfterPost(reply, `${section}/${id}`);
  });

  // One click from an alert: its title, a kind guessed from it, known since the alert was first raised.
  app.post('/security/incidents/from-alert/:alertId', { config: { permission: 'incidents.manage', stepUp: true } }, async (req, reply) => {
    const alert = await db.selectFrom('alert').selectAll().where('id', '=', num(params(req).alertId)).executeTakeFirst();
    if (!alert) throw new AppError('not_found');
    const kind = /integrity|page_watch|csp|script/.test(alert.kind) ? 'card_skimming' : /stuffing|login|takeover|brute/.test(alert.kind) ? 'account_takeover' : 'other';
    const { id } = await declareIncident(db, { title: alert.title.slice(0, 200), kind, severity: alert.severity, knownAt: new Date(alert.created_at), leadStaffId: staffOf(req).id, alertId: alert.id, declaredBy: staffOf(req).id });
    return redirectAfterPost(reply, `${section}/${id}`);
  });

  app.get('/security/incidents/:id', { config: { permission: 'incidents.read' } }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    return renderCase(req, reply, num(params(req).id), { notice: q.done === '1' ? t(req.locale, 'saved') : null });
  });

  app.post('/security/incidents/:id/notes', { config: { permission: 'incidents.note' } }, async (req, reply) => {
    const id = num(params(req).id);
    const body = (formValues(req.body).body ?? '').trim();
    if (!body || body.length > 4000) return renderCase(req, reply, id, { errors: { body: t(req.locale, 'errNote') } }, 422);
    if (!(await getIncident(db, id))) throw new AppError('not_found');
    await addNote(db, id, body, staffOf(req).id);
    return redirectAfterPost(reply, `${section}/${id}?done=1`);
  });

  app.post('/security/incidents/:id/tasks', { config: { permission: 'incidents.manage' } }, async (req, reply) => {
    const id = num(params(req).id);
    const title = (formValues(req.body).title ?? '').trim().slice(0, 200);
    if (title && (await getIncident(db, id))) await addTask(db, id, title, staffOf(req).id);
    return redirectAfterPost(reply, `${section}/${id}`);
  });

  app.post('/security/incidents/:id/tasks/:taskId', { config: { permission: 'incidents.manage' } }, async (req, reply) => {
    const id = num(params(req).id);
    if (!(await setTaskDone(db, id, num(params(req).taskId), formValues(req.body).done === '1', staffOf(req).id))) throw new AppError('not_found');
    return redirectAfterPost(reply, `${section}/${id}`);
  });

  app.post('/security/incidents/:id/contain/:action', { config: { permission: 'incidents.manage', stepUp: true } }, async (req, reply) => {
    const id = num(params(req).id);
    const action = params(req).action as ContainmentAction;
    if (!containmentActions.includes(action) || !(await getIncident(db, id))) throw new AppError('not_found');
    const session = req.adminSession!;
    try {
      const form = formValues(req.body);
      await contain(s.ctx, id, action, { id: session.staff.id, role: session.staff.role, sessionHash: session.idHash }, { network: form.network ?? '', scriptId: form.script_id ?? '', req, shopName: (await s.shop.get()).name, bans: s.bans, switches: s.switches, scripts: s.scripts });
    } catch (err) {
      if (err instanceof ContainmentInputError) return renderCase(req, reply, id, { errors: err.message === 'script' ? { script_id: t(req.locale, 'errScript') } : { network: t(req.locale, 'errNetwork') } }, 422);
      throw err;
    }
    req.log.warn({ incident: id, action, staffId: session.staff.id }, 'incident containment');
    return redirectAfterPost(reply, `${section}/${id}?done=1`);
  });

  app.post('/security/incidents/:id/scope', { config: { permission: 'incidents.manage', stepUp: true } }, async (req, reply) => {
    const id = num(params(req).id);
    const parsed = parseScope(formValues(req.body));
    if (!(await getIncident(db, id))) throw new AppError('not_found');
    if (!parsed.criteria) return renderCase(req, reply, id, { errors: Object.fromEntries(Object.entries(parsed.errors).map(([k, v]) => [k, t(req.locale, v)])) }, 422);
    await runScope(db, id, parsed.criteria, staffOf(req).id);
    return redirectAfterPost(reply, `${section}/${id}?done=1`);
  });

  app.post('/security/incidents/:id/campaign', { config: { permission: 'incidents.manage', stepUp: true } }, async (req, reply) => {
    const id = num(params(req).id);
    const scope = await latestScope(db, id);
    if (!scope) throw new AppError('bad_request');
    await startCampaign(db, id, scope.id, staffOf(req).id);
    return redirectAfterPost(reply, `${section}/${id}?done=1`);
  });

  app.post('/security/incidents/:id/notice', { config: { permission: 'incidents.manage' } }, async (req, reply) => {
    const id = num(params(req).id);
    const v = formValues(req.body);
    const body: NoticeBody = { title: '', background: '', status: '', request: '', prevention: '', contact: '' };
    for (const k of Object.keys(body) as Array<keyof NoticeBody>) body[k] = (v[k] ?? '').trim().slice(0, k === 'title' ? 200 : 4000);
    if (!body.title || !(await getIncident(db, id))) throw new AppError('bad_request');
    await saveNotice(db, id, body, staffOf(req).id);
    return redirectAfterPost(reply, `${section}/${id}?done=1`);
  });

  app.post('/security/incidents/:id/notice/:version/publish', { config: { permission: 'incidents.manage', stepUp: true } }, async (req, reply) => {
    const id = num(params(req).id);
    if (!(await publishNotice(db, id, num(params(req).version), staffOf(req).id))) throw new AppError('not_found');
    return redirectAfterPost(reply, `${section}/${id}?done=1`);
  });

  app.get('/security/incidents/:id/report', { config: { permission: 'incidents.read' } }, async (req, reply) => {
    const inc = await getIncident(db, num(params(req).id));
    if (!inc) throw new AppError('not_found');
    const q = req.query as Record<string, unknown>;
    const stage = q.ppc === 'final' ? 'final' : 'preliminary';
    const body = ppcText(await ppcDraft(db, inc, stage));
    if (q.format === 'pdf') {
      const pdf = await textPdf(`PPC ${stage} #${inc.id}`, body);
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="omamori-incident${inc.id}-ppc-${stage}.pdf"`).header('cache-control', 'no-store').send(Buffer.from(pdf));
    }
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(body);
  });

  app.post('/security/incidents/:id/contacts', { config: { permission: 'incidents.manage' } }, async (req, reply) => {
    const id = num(params(req).id);
    if (!(await getIncident(db, id))) throw new AppError('not_found');
    const parsed = parseOutsideContact(formValues(req.body));
    if (!parsed.values) return renderCase(req, reply, id, { errors: Object.fromEntries(Object.entries(parsed.errors).map(([k, v]) => [`contact_${k}`, t(req.locale, v)])) }, 422);
    await addOutsideContact(db, id, parsed.values, staffOf(req).id);
    return redirectAfterPost(reply, `${section}/${id}?done=1#contacts`);
  });

  app.post('/security/incidents/:id/contacts/:contactId/contacted', { config: { permission: 'incidents.manage' } }, async (req, reply) => {
    const id = num(params(req).id);
    if (!(await markContacted(db, id, num(params(req).contactId), staffOf(req).id))) throw new AppError('not_found');
    return redirectAfterPost(reply, `${section}/${id}?done=1#contacts`);
  });

  registerFileRoutes(app, s);
  registerReportRoutes(app, db);
};

/** Files that leave the store (evidence, letters, addresses) go through the guarded export (files.ts). */
function registerFileRoutes(app: Parameters<RouteModule>[0], s: Services) {
  const files = incidentFiles(s.ctx, async () => (await s.shop.get()).name);
  const staff = (req: FastifyRequest) => ({ id: req.staff!.id, name: req.staff!.name, role: req.staff!.role });
  const send = (reply: FastifyReply, f: { filename: string; type: string; body: string | Uint8Array }) =>
    reply.type(f.type).header('content-disposition', `attachment; filename="${f.filename}"`).header('cache-control', 'no-store').send(typeof f.body === 'string' ? f.body : Buffer.from(f.body));
  app.post('/security/incidents/:id/evidence', { config: { permission: 'incidents.manage', stepUp: true } }, async (req, reply) => send(reply, await files.evidence(num(params(req).id), staff(req), req)));
  app.post('/security/incidents/:id/card-payments.csv', { config: { permission: 'incidents.manage', stepUp: true } }, async (req, reply) => send(reply, await files.cardList(num(params(req).id), staff(req), req)));
  app.post('/security/incidents/:id/campaign/:campaignId/letters.pdf', { config: { permission: 'incidents.manage', stepUp: true } }, async (req, reply) =>
    send(reply, await files.lettersPdf(num(params(req).id), num(params(req).campaignId), staff(req), req)));
  app.post('/security/incidents/:id/campaign/:campaignId/letters.csv', { config: { permission: 'incidents.manage', stepUp: true } }, async (req, reply) =>
    send(reply, await files.lettersCsv(num(params(req).id), num(params(req).campaignId), staff(req), req)));
}
