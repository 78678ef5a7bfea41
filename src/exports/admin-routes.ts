import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { can } from '../platform/permissions.ts';
import { parseFilters } from '../orders/admin-list.ts';
import { AppError } from '../platform/http/errors.ts';
import type { FieldErrors } from '../platform/http/forms.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { Locale } from '../platform/i18n/index.ts';
import type { RouteModule } from '../services.ts';
import { exportHardLimit } from './datasets.ts';
import { t } from './messages.ts';
import { findExport, listExports } from './requests.ts';
import { exportsOf, type ExportFile } from './service.ts';
import { exportKinds, type ExportFilter, type ExportKind } from './tables.ts';
import { exportFormPage, historyPage, requestsPage, section } from './views.ts';

function formValues(body: unknown): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(['kind', 'status', 'from', 'to'].map((k) => [k, typeof b[k] === 'string' ? (b[k] as string).slice(0, 40) : '']));
}

/** The export form: what to export and, for orders, a date range and status (validated like the order list's filters). */
function parseForm(values: Record<string, string>, l: Locale): { kind?: ExportKind; filter: ExportFilter; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const kind = (exportKinds as readonly string[]).includes(values.kind!) ? (values.kind as ExportKind) : undefined;
  if (!kind) errors.kind = t(l, 'kindInvalid');
  if (kind !== 'orders') return { kind, filter: {}, errors };
  const parsed = parseFilters({ status: values.status, from: values.from, to: values.to }, l);
  const f = parsed.filters;
  return { kind, filter: { ...(f.from ? { from: f.from } : {}), ...(f.to ? { to: f.to } : {}), ...(f.status ? { status: f.status } : {}) }, errors: { ...errors, ...parsed.errors } };
}

function idOf(req: FastifyRequest): number {
  const raw = (req.params as { id?: string }).id ?? '';
  if (!/^[1-9]\d{0,8}$/.test(raw)) throw new AppError('not_found');
  return Number(raw);
}

function sendFile(reply: FastifyReply, file: ExportFile) {
  return reply
    .header('cache-control', 'no-store')
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .header('x-export-id', String(file.id))
    .type('text/csv; charset=utf-8')
    .send(file.body);
}

/**
 * Guarded bulk export of customers and orders (T4): export form, requests to approve, history. Exporting,
 * approving and downloading an approved export each need a fresh step-up (password + TOTP).
 */
export const exportsAdminRoutes: RouteModule = (app, s) => {
  const exports = exportsOf(s);
  const { db } = s.ctx;

  async function renderForm(req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldErrors, status = 200) {
    const l = req.locale;
    const body = exportFormPage(l, { caps: exports.caps, used: await exports.usedToday(req.staff!.id), values, errors });
    return sendHtml(reply, adminPage(req, { title: t(l, 'title'), section, body }), status);
  }

  app.get('/exports', { config: { permission: 'exports.create' } }, async (req, reply) => renderForm(req, reply, {}, {}));

  app.post('/exports', { config: { permission: 'exports.create', stepUp: true } }, async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const { kind, filter, errors } = parseForm(values, l);
    if (!kind || Object.keys(errors).length) return renderForm(req, reply, values, errors, 422);
    const rows = await exports.countRows(kind, filter);
    if (rows > exportHardLimit) return renderForm(req, reply, values, { kind: t(l, 'tooLarge', { max: exportHardLimit }) }, 422);
    const result = await exports.start(req.staff!, kind, filter, rows, req);
    if (result.kind === 'requested') return redirectAfterPost(reply, `${section}/requests?requested=${result.id}`);
    return sendFile(reply, result.file);
  });

  app.get('/exports/requests', { config: { permission: 'exports.create' } }, async (req, reply) => {
    const l = req.locale;
    const q = (req.query ?? {}) as Record<string, unknown>;
    let notice: string | undefined;
    const hours = s.ctx.config.exportDownloadHours;
    const noticeId = (key: string) => (typeof q[key] === 'string' && /^\d{1,9}$/.test(q[key] as string) ? Number(q[key]) : null);
    const requested = noticeId('requested');
    if (requested) {
      const row = await findExport(db, requested);
      if (row && row.requestedBy === req.staff!.id) notice = t(l, 'requested', { id: row.id, hours, caps: row.overCaps.map((c) => t(l, c === 'rows' ? 'cap_rows' : 'cap_daily')).join(', ') });
    }
    if (noticeId('approved')) notice = t(l, 'approved', { id: noticeId('approved')!, hours });
    if (noticeId('denied')) notice = t(l, 'denied', { id: noticeId('denied')! });
    const rows = await listExports(db, { statuses: ['pending', 'approved'], limit: 200 });
    const body = requestsPage(l, rows, { id: req.staff!.id, canApprove: can(req.staff!.role, 'exports.approve') }, notice);
    return sendHtml(reply, adminPage(req, { title: t(l, 'requestsTitle'), section, body }));
  });

  async function decide(req: FastifyRequest, reply: FastifyReply, approve: boolean) {
    const id = idOf(req);
    const found = await findExport(db, id);
    if (!found) throw new AppError('not_found');
    // T4: four eyes. The requester never approves their own export (the table refuses it as well).
    if (found.requestedBy === req.staff!.id) throw new AppError('forbidden', { message: t(req.locale, 'ownOnly') });
    if (!(await exports.decide(req.staff!, id, approve, req))) throw new AppError('conflict');
    return redirectAfterPost(reply, `${section}/requests?${approve ? 'approved' : 'denied'}=${id}`);
  }

  app.post('/exports/requests/:id/approve', { config: { permission: 'exports.approve', stepUp: true } }, async (req, reply) => decide(req, reply, true));
  app.post('/exports/requests/:id/deny', { config: { permission: 'exports.approve' } }, async (req, reply) => decide(req, reply, false));

  app.post('/exports/requests/:id/download', { config: { permission: 'exports.create', stepUp: true } }, async (req, reply) => {
    const id = idOf(req);
    const found = await findExport(db, id);
    // Someone else's request looks like a missing one.
    if (!found || found.requestedBy !== req.staff!.id) throw new AppError('not_found');
    const file = await exports.download(req.staff!, id, req);
    if (!file) throw new AppError('conflict', { message: t(req.locale, 'gone') });
    return sendFile(reply, file);
  });

  app.get('/exports/history', { config: { permission: 'exports.create' } }, async (req, reply) => {
    const l = req.locale;
    const body = historyPage(l, await listExports(db, { limit: 200 }));
    return sendHtml(reply, adminPage(req, { title: t(l, 'historyTitle'), section, body }));
  });
};
