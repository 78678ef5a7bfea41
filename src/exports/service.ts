import type { FastifyRequest } from 'fastify';
import { recordExport, recordStaffAction, requestMeta } from '../audit/record.ts';
import type { SignedInStaff } from '../platform/http/request.ts';
import type { Services } from '../services.ts';
import { csvDocument } from './csv.ts';
import { columns, countRows, loadRows } from './datasets.ts';
import { mailOwnersExported, mailOwnersRequested, mailRequesterDecision } from './notify.ts';
import { claimDownload, decideExport, exportsInLastDay, findExport, insertExport, lockStaffExports } from './requests.ts';
import { exportKinds, type ExportFilter, type ExportKind } from './tables.ts';

const isExportKind = (k: string): k is ExportKind => (exportKinds as readonly string[]).includes(k);
import { adminBaseUrl } from '../platform/config.ts';

export type Staff = Pick<SignedInStaff, 'id' | 'name' | 'role'>;

export interface ExportFile {
  id: number;
  filename: string;
  body: string;
  rows: number;
}

export type StartResult = { kind: 'file'; file: ExportFile } | { kind: 'requested'; id: number; overCaps: string[] };

/** Which caps an export of `rows` rows by someone with `usedToday` exports exceeds. */
export function capsExceeded(rows: number, usedToday: number, caps: { maxRows: number; maxPerDay: number }): string[] {
  return [...(rows > caps.maxRows ? ['rows'] : []), ...(usedToday >= caps.maxPerDay ? ['daily'] : [])];
}

function fileOf(id: number, kind: ExportKind, staff: Staff, at: Date, rows: Awaited<ReturnType<typeof loadRows>>): ExportFile {
  const stamp = at.toISOString().slice(0, 19).replace(/[-:]/g, '');
  // T4: the file names who exported it and when, in its name and its first line, so a copy found later is traceable.
  const marking = `# omamori export #${id} | ${kind} | ${rows.length} rows | exported by ${staff.name} (staff #${staff.id} / ${staff.role}) | ${at.toISOString()} | 個人情報を含みます。取扱注意 / contains personal data`;
  return { id, rows: rows.length, filename: `omamori-${kind}-${stamp}Z-staff${staff.id}-export${id}.csv`, body: csvDocument([marking], columns[kind], rows) };
}

/**
 * Guarded bulk export (T4). Within the caps the file is made at once; over either cap (rows per export,
 * exports per staff member per 24 h) it becomes a request for another owner. Either way the audit entry,
 * the owners' mails and the export row are written in one transaction. Personal data is read before that
 * transaction through the domains' own (decrypting) functions, which use their own connection.
 */
export function exportsOf(s: Services) {
  const { config, db } = s.ctx;
  const caps = { maxRows: config.exportMaxRows, maxPerDay: config.exportMaxPerDay };

  async function request(staff: Staff, kind: ExportKind, filter: ExportFilter, rowCount: number, overCaps: string[], req: FastifyRequest): Promise<StartResult> {
    const id = await db.transaction().execute(async (trx) => {
      const id = await insertExport(trx, { kind, filter, staffId: staff.id, rowCount, status: 'pending', overCaps });
      await recordStaffAction(trx, { staff, action: 'export.requested', object: { type: 'data_export', id }, detail: { kind, rows: rowCount, over_caps: overCaps, filter: { ...filter } }, req });
      await mailOwnersRequested(trx, { id, kind, rows: rowCount, by: staff, at: new Date(), ip: requestMeta(req).ip ?? null, overCaps }, adminBaseUrl(config));
      return id;
    });
    return { kind: 'requested', id, overCaps };
  }

  return {
    caps,
    usedToday: (staffId: number) => exportsInLastDay(db, staffId),
    countRows: (kind: ExportKind, filter: ExportFilter) => countRows(s, kind, filter),

    async start(staff: Staff, kind: ExportKind, filter: ExportFilter, rowCount: number, req: FastifyRequest): Promise<StartResult> {
      const over = capsExceeded(rowCount, await exportsInLastDay(db, staff.id), caps);
      if (over.length) return request(staff, kind, filter, rowCount, over, req);
      const rows = await loadRows(s, kind, filter, caps.maxRows);
      const at = new Date();
      const outcome = await db.transaction().execute(async (trx) => {
        await lockStaffExports(trx, staff.id);
        // Checked again under the lock: two exports started at once cannot both slip under the daily cap.
        if ((await exportsInLastDay(trx, staff.id, at)) >= caps.maxPerDay) return null;
        const id = await insertExport(trx, { kind, filter, staffId: staff.id, rowCount, status: 'exported', overCaps: [], exportedRows: rows.length });
        await recordExport(trx, { staff, kind, format: 'csv', count: rows.length, filter: { export_id: id, ...filter }, req });
        await mailOwnersExported(trx, { id, kind, rows: rows.length, by: staff, at, ip: requestMeta(req).ip ?? null }, adminBaseUrl(config));
        return id;
      });
      if (outcome === null) return request(staff, kind, filter, rowCount, ['daily'], req);
      return { kind: 'file', file: fileOf(outcome, kind, staff, at, rows) };
    },

    /** Another owner approves or denies; false when it was not pending, or is the approver's own request. */
    async decide(approver: Staff, id: number, approve: boolean, req: FastifyRequest): Promise<boolean> {
      const hours = config.exportDownloadHours;
      return db.transaction().execute(async (trx) => {
        const found = await findExport(trx, id);
        if (!found) return false;
        const ok = await decideExport(trx, id, approver.id, approve, new Date(Date.now() + hours * 3600_000));
        if (!ok) return false;
        await recordStaffAction(trx, { staff: approver, action: approve ? 'export.approved' : 'export.denied', object: { type: 'data_export', id }, detail: { kind: found.kind, rows: found.rowCount, requested_by: found.requestedBy }, req });
        await mailRequesterDecision(trx, { id, requesterId: found.requestedBy, approved: approve, by: approver.name, hours, adminUrl: adminBaseUrl(config) });
        return true;
      });
    },

    /** The approved file, once, for its requester, within the window; at most the rows that were approved. */
    async download(staff: Staff, id: number, req: FastifyRequest): Promise<ExportFile | null> {
      const found = await findExport(db, id);
      if (!found || found.requestedBy !== staff.id || found.status !== 'approved' || !found.downloadUntil || found.downloadUntil <= new Date()) return null;
      if (!isExportKind(found.kind)) return null; // incident files are never "requested": they go out at once (issue 13)
      const kind = found.kind;
      const rows = await loadRows(s, kind, found.filter, found.rowCount);
      const at = new Date();
      const ok = await db.transaction().execute(async (trx) => {
        if (!(await claimDownload(trx, id, staff.id, rows.length, at))) return false;
        await recordExport(trx, { staff, kind, format: 'csv', count: rows.length, filter: { export_id: id, approved_by: found.decidedBy, ...found.filter }, req });
        await mailOwnersExported(trx, { id, kind: found.kind, rows: rows.length, by: staff, at, ip: requestMeta(req).ip ?? null }, adminBaseUrl(config));
        return true;
      });
      return ok ? fileOf(id, kind, staff, at, rows) : null;
    },
  };
}

export type ExportsService = ReturnType<typeof exportsOf>;
