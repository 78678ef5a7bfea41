import { actionCell, auditActionLabel, labelText, rawDetail } from '../platform/security/label-cells.ts';
import { adminPage } from '../admin/layout.ts';
import type { Db } from '../platform/db/database.ts';
import { validationMessages, type FieldErrors } from '../platform/http/forms.ts';
import { html } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import { formatDateTime, type Locale } from '../platform/i18n/index.ts';
import type { RouteModule } from '../services.ts';
import { auditActions, toRecord, type AuditDetail, type AuditRecord } from './chain.ts';
import { t } from './messages.ts';
import { recordExport, requestMeta } from './record.ts';
import type { AuditResult } from './tables.ts';

const section = '/admin/audit';
const perPage = 50;
export const exportMax = 50_000;
const results: AuditResult[] = ['success', 'denied', 'failed'];
const isoDate = /^\d{4}-\d{2}-\d{2}$/;

export interface AuditFilters {
  action?: string;
  staff?: number;
  from?: string;
  to?: string;
  objectType?: string;
  objectId?: string;
  result?: AuditResult;
  before?: number;
}

/** The shop's days are Japanese days: a date filter covers 00:00-24:00 JST. */
function jstDayStart(d: string): Date {
  return new Date(`${d}T00:00:00+09:00`);
}

/** Reads the filter form (a GET query); a value that is not valid is reported next to its field and ignored. */
export function parseAuditFilters(query: Record<string, unknown>, l: Locale): { filters: AuditFilters; errors: FieldErrors; raw: Record<string, string> } {
  const raw: Record<string, string> = {};
  for (const k of ['action', 'staff', 'from', 'to', 'object_type', 'object_id', 'result', 'before']) {
    const v = query[k];
    raw[k] = typeof v === 'string' ? v.trim().slice(0, 100) : '';
  }
  const filters: AuditFilters = {};
  const errors: FieldErrors = {};
  if (raw.action) {
    if ((auditActions as readonly string[]).includes(raw.action) || raw.action === 'emergency.*') filters.action = raw.action;
    else errors.action = validationMessages(l, 'choice');
  }
  if (raw.staff) {
    if (/^\d{1,9}$/.test(raw.staff)) filters.staff = Number(raw.staff);
    else errors.staff = validationMessages(l, 'integer');
  }
  for (const key of ['from', 'to'] as const) {
    const v = raw[key]!;
    if (!v) continue;
    if (isoDate.test(v) && !Number.isNaN(jstDayStart(v).getTime())) filters[key] = v;
    else errors[key] = t(l, 'dateInvalid');
  }
  if (filters.from && filters.to && filters.from > filters.to) {
    errors.to = t(l, 'rangeInvalid');
    delete filters.to;
  }
  if (raw.object_type && /^[a-z0-9_.-]{1,60}$/.test(raw.object_type)) filters.objectType = raw.object_type;
  if (raw.object_id && /^[\w.-]{1,100}$/.test(raw.object_id)) filters.objectId = raw.object_id;
  if (raw.result && (results as string[]).includes(raw.result)) filters.result = raw.result as AuditResult;
  if (raw.before && /^\d{1,18}$/.test(raw.before)) filters.before = Number(raw.before);
  return { filters, errors, raw };
}

function filtered(db: Db, f: AuditFilters) {
  let q = db.selectFrom('audit_entry').leftJoin('staff', (j) => j.onRef('staff.id', '=', 'audit_entry.actor_id').on('audit_entry.actor_type', '=', 'staff'));
  if (f.action === 'emergency.*') q = q.where('audit_entry.action', 'like', 'emergency.%');
  else if (f.action) q = q.where('audit_entry.action', '=', f.action);
  if (f.staff) q = q.where('audit_entry.actor_type', '=', 'staff').where('audit_entry.actor_id', '=', f.staff);
  if (f.from) q = q.where('audit_entry.at', '>=', jstDayStart(f.from));
  if (f.to) q = q.where('audit_entry.at', '<', new Date(jstDayStart(f.to).getTime() + 86_400_000));
  if (f.objectType) q = q.where('audit_entry.object_type', '=', f.objectType);
  if (f.objectId) q = q.where('audit_entry.object_id', '=', f.objectId);
  if (f.result) q = q.where('audit_entry.result', '=', f.result);
  return q;
}

type Row = AuditRecord & { staff_name: string | null };

async function listEntries(db: Db, f: AuditFilters, limit: number): Promise<Row[]> {
  let q = filtered(db, f).selectAll('audit_entry').select('staff.name as staff_name');
  if (f.before) q = q.where('audit_entry.seq', '<', f.before);
  const rows = await q.orderBy('audit_entry.seq', 'desc').limit(limit).execute();
  return rows.map((r) => ({ ...toRecord(r as unknown as Record<string, unknown>), staff_name: r.staff_name ?? null }));
}

/** The filter as recorded with an export: names and ids only. */
function filterDetail(f: AuditFilters): AuditDetail {
  const d: AuditDetail = {};
  for (const [k, v] of Object.entries(f)) if (v !== undefined && k !== 'before') d[k] = v;
  return d;
}

function query(raw: Record<string, string>, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...raw, ...extra })) if (v && k !== 'before') p.set(k, v);
  if (extra.before) p.set('before', extra.before);
  const s = p.toString();
  return s ? `?${s}` : '';
}

const csvColumns = ['seq', 'at', 'actor_type', 'actor_id', 'actor_role', 'action', 'object_type', 'object_id', 'result', 'ip', 'user_agent', 'detail', 'prev_hash', 'hash'] as const;

/** RFC 4180 quoting, and a leading apostrophe against spreadsheet formula injection (user agents are attacker-chosen). */
function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function actorLabel(r: Row, l: Locale): string {
  if (r.actor_type === 'staff') return `${r.staff_name ?? '—'} (#${r.actor_id ?? '?'})`;
  if (r.actor_type === 'customer') return `${t(l, 'customer')} #${r.actor_id ?? '?'}`;
  return t(l, r.actor_type === 'system' ? 'system' : 'anonymous');
}

/**
 * The audit log in the admin console: browse, filter, export (CSV or JSON Lines; the export is
 * itself recorded), verify and checkpoint on demand. Permission `settings.manage` for now; a
 * dedicated `audit.read` in src/platform/permissions.ts would fit better (PCI DSS 10.3.1: read
 * access limited to those with a job-related need).
 */
export const auditAdminRoutes: RouteModule = (app, s) => {
  const audit = s.audit;
  const { db } = s.ctx;

  app.get('/audit', { config: { permission: 'audit.read' } }, async (req, reply) => {
    const l = req.locale;
    const { filters, errors, raw } = parseAuditFilters((req.query ?? {}) as Record<string, unknown>, l);
    // PCI DSS 10.2.1.3: every access to the audit log is itself recorded.
    const staff = req.staff!;
    await audit.record({ actor: { type: 'staff', id: staff.id, role: staff.role }, action: 'audit.view', object: { type: 'audit' }, result: 'success', ...requestMeta(req), detail: { filter: filterDetail(filters), ...(filters.before ? { before: filters.before } : {}) } });
    const rows = await listEntries(db, filters, perPage + 1);
    const more = rows.length > perPage;
    const shown = rows.slice(0, perPage);
    const tail = await db.selectFrom('audit_entry').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const cp = await db.selectFrom('audit_checkpoint').select(['seq', 'at', 'key_id']).orderBy('id', 'desc').limit(1).executeTakeFirst();
    const v = audit.lastVerification();
    const q = (req.query ?? {}) as Record<string, unknown>;
    const err = (k: string) => (errors[k] ? html` aria-invalid="true" aria-describedby="${k}-error"` : '');
    const errMsg = (k: string) => (errors[k] ? html`<p class="field-error" id="${k}-error">${errors[k]}</p>` : '');
    const body = html`${q.done === 'checkpoint' ? html`<p class="alert alert-success" role="status">${t(l, 'checkpointDone')}</p>` : q.done === 'verify' ? html`<p class="alert alert-success" role="status">${t(l, 'verifyDone')}</p>` : ''}
<p class="muted">${t(l, 'intro')}</p>
<dl class="summary audit-state">
  <dt>${t(l, 'entries')}</dt><dd data-tail-seq="${tail ? Number(tail.seq) : 0}">${tail ? Number(tail.seq) : 0}</dd>
  <dt>${t(l, 'lastCheckpoint')}</dt><dd>${cp ? html`#${Number(cp.seq)} — ${formatDateTime(cp.at, l)} <code>${cp.key_id}</code>` : t(l, 'notYet')}</dd>
  <dt>${t(l, 'lastVerification')}</dt><dd data-verified="${v ? (v.ok ? 'ok' : 'failed') : 'never'}">${
    v ? (v.ok ? t(l, 'verifiedOk', { at: formatDateTime(v.at, l) }) : html`<strong class="alert-error">${t(l, 'verifiedBad', { at: formatDateTime(v.at, l), n: v.findings.length + v.moreFindings })}</strong><ul>${v.findings.slice(0, 10).map((f) => html`<li><code>${f.kind}</code> ${f.message}</li>`)}</ul>`) : t(l, 'notYet')
  }</dd>
</dl>
<div class="cluster">
<form method="post" action="${section}/checkpoint"><button type="submit" class="btn btn-secondary">${t(l, 'checkpointNow')}</button></form>
<form method="post" action="${section}/verify"><button type="submit" class="btn btn-secondary">${t(l, 'verifyNow')}</button></form>
</div>
<h2>${t(l, 'filter')}</h2>
<form method="get" action="${section}" class="audit-filter cluster">
  <div class="field"><label for="action">${t(l, 'action')}</label>
  <select id="action" name="action"${err('action')}><option value="">${t(l, 'anyAction')}</option>${[...auditActions, 'emergency.*'].map((a) => html`<option value="${a}"${raw.action === a ? html` selected` : ''}>${labelText(auditActionLabel(a), l, a)}</option>`)}</select>${errMsg('action')}</div>
  <div class="field"><label for="staff">${t(l, 'staff')}</label><input id="staff" name="staff" inputmode="numeric" value="${raw.staff ?? ''}"${err('staff')}>${errMsg('staff')}</div>
  <div class="field"><label for="from">${t(l, 'from')}</label><input id="from" name="from" type="date" value="${raw.from ?? ''}"${err('from')}>${errMsg('from')}</div>
  <div class="field"><label for="to">${t(l, 'to')}</label><input id="to" name="to" type="date" value="${raw.to ?? ''}"${err('to')}>${errMsg('to')}</div>
  <div class="field"><label for="object_type">${t(l, 'objectType')}</label><input id="object_type" name="object_type" value="${raw.object_type ?? ''}"></div>
  <div class="field"><label for="object_id">${t(l, 'objectId')}</label><input id="object_id" name="object_id" value="${raw.object_id ?? ''}"></div>
  <div class="field"><label for="result">${t(l, 'result')}</label>
  <select id="result" name="result"><option value="">${t(l, 'anyResult')}</option>${results.map((r) => html`<option value="${r}"${raw.result === r ? html` selected` : ''}>${t(l, `result_${r}`)}</option>`)}</select></div>
  <div class="cluster"><button type="submit" class="btn btn-primary">${t(l, 'apply')}</button> <a href="${section}">${t(l, 'clear')}</a></div>
</form>
<p class="cluster">${t(l, 'export')}: <a class="btn btn-secondary" href="${section}/export${query(raw, { format: 'csv' })}">${t(l, 'exportCsv')}</a> <a class="btn btn-secondary" href="${section}/export${query(raw, { format: 'jsonl' })}">${t(l, 'exportJsonl')}</a></p>
<p class="small muted">${t(l, 'exportNote', { max: exportMax })}</p>
${shown.length
  ? html`<div class="table-scroll"><table class="table audit-entries">
<thead><tr><th scope="col">${t(l, 'seq')}</th><th scope="col">${t(l, 'time')}</th><th scope="col">${t(l, 'actor')}</th><th scope="col">${t(l, 'role')}</th><th scope="col">${t(l, 'action')}</th><th scope="col">${t(l, 'object')}</th><th scope="col">${t(l, 'result')}</th><th scope="col">${t(l, 'ip')}</th><th scope="col">${t(l, 'detail')}</th></tr></thead>
<tbody>${shown.map(
      (r) => html`<tr data-seq="${r.seq}"><td class="num">${r.seq}</td><td><time datetime="${r.at.toISOString()}">${formatDateTime(r.at, l)}</time></td><td>${actorLabel(r, l)}</td><td>${r.actor_role ?? ''}</td><td>${actionCell(r.action, l)}</td><td>${r.object_type ? html`${r.object_type}${r.object_id ? html` #${r.object_id}` : ''}` : ''}</td><td>${t(l, `result_${r.result}`)}</td><td><code>${r.ip ?? ''}</code></td><td>${rawDetail(r.detail, l)}</td></tr>`,
    )}</tbody></table></div>`
  : html`<p>${t(l, 'none')}</p>`}
<nav class="pagination" aria-label="${t(l, 'title')}">${filters.before ? html`<a href="${section}${query(raw)}">${t(l, 'newest')}</a>` : ''}${more ? html`<a href="${section}${query(raw, { before: String(shown[shown.length - 1]!.seq) })}" rel="next">${t(l, 'older')}</a>` : ''}</nav>`;
    return sendHtml(reply, adminPage(req, { title: t(l, 'title'), section, body }), Object.keys(errors).length ? 422 : 200);
  });

  // T4: a bulk export of the trail (staff names, IPs) needs a fresh step-up and is itself recorded, in the same transaction.
  app.get('/audit/export', { config: { permission: 'audit.read', stepUp: true } }, async (req, reply) => {
    const { filters } = parseAuditFilters((req.query ?? {}) as Record<string, unknown>, req.locale);
    const format = (req.query as Record<string, unknown>).format === 'jsonl' ? 'jsonl' : 'csv';
    const staff = req.staff!;
    const rows = await db.transaction().execute(async (trx) => {
      const found = await listEntries(trx, { ...filters, before: undefined }, exportMax);
      await recordExport(trx, { staff: { id: staff.id, role: staff.role }, kind: 'audit', format, count: found.length, filter: filterDetail(filters), req });
      return found;
    });
    void audit.flush().catch(() => undefined);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    reply.header('cache-control', 'no-store').header('content-disposition', `attachment; filename="audit-${stamp}.${format}"`);
    if (format === 'jsonl') {
      const text = rows.map(({ staff_name: _n, ...r }) => JSON.stringify({ ...r, at: r.at.toISOString() })).join('\n');
      return reply.type('application/x-ndjson; charset=utf-8').send(rows.length ? `${text}\n` : '');
    }
    const lines = [csvColumns.join(','), ...rows.map((r) => csvColumns.map((c) => csvCell(r[c])).join(','))];
    return reply.type('text/csv; charset=utf-8').send(`\uFEFF${lines.join('\r\n')}\r\n`);
  });

  app.post('/audit/checkpoint', { config: { permission: 'audit.read' } }, async (_req, reply) => {
    await audit.checkpoint({ force: true });
    return redirectAfterPost(reply, `${section}?done=checkpoint`);
  });

  app.post('/audit/verify', { config: { permission: 'audit.read' } }, async (_req, reply) => {
    await audit.verifyNow();
    return redirectAfterPost(reply, `${section}?done=verify`);
  });
};

