import type { FastifyRequest } from 'fastify';
import { recordStaffAction, requestMeta } from '../audit/record.ts';
import { mailOwnersExported } from '../exports/notify.ts';
import { insertExport } from '../exports/requests.ts';
import type { incidentExportKinds } from '../exports/tables.ts';
import { adminBaseUrl, type Config } from '../platform/config.ts';
import { asDb, type IncidentDb } from './tables.ts';
import { addEvent } from './timeline.ts';

export type IncidentExportKind = (typeof incidentExportKinds)[number];

/**
 * T4: an incident file (evidence, letters with addresses, the report) goes out like every bulk export: a data_export
 * row, an audit entry and a mail to every owner, in one transaction; the file names who exported it and when.
 */
export async function guardIncidentExport(
  db: IncidentDb,
  config: Config,
  p: { incidentId: number; kind: IncidentExportKind; rows: number; staff: { id: number; name: string; role: string }; req?: FastifyRequest },
): Promise<{ id: number; marking: string }> {
  const at = new Date();
  const id = await db.transaction().execute(async (trx) => {
    const id = await insertExport(asDb(trx), { kind: p.kind, filter: {}, staffId: p.staff.id, rowCount: p.rows, status: 'exported', overCaps: [], exportedRows: p.rows });
    await recordStaffAction(asDb(trx), { staff: p.staff, action: `incident.export_${p.kind.replace('incident_', '')}`, object: { type: 'incident', id: p.incidentId }, detail: { export_id: id, rows: p.rows }, ...(p.req ? { req: p.req } : {}) });
    await mailOwnersExported(asDb(trx), { id, kind: p.kind, rows: p.rows, by: p.staff, at, ip: p.req ? (requestMeta(p.req).ip ?? null) : null }, adminBaseUrl(config));
    await addEvent(trx, p.incidentId, p.staff.id, 'export', { kind: p.kind, export_id: id, rows: p.rows });
    return id;
  });
  return { id, marking: `omamori export #${id} | ${p.kind} | incident #${p.incidentId} | ${p.rows} items | exported by ${p.staff.name} (staff #${p.staff.id} / ${p.staff.role}) | ${at.toISOString()} | 個人情報を含みます。取扱注意` };
}
