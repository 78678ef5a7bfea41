import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { ExportFilter, ExportStatus, StoredExportKind } from './tables.ts';

const dayMs = 24 * 3600_000;

export interface ExportRow {
  id: number;
  kind: StoredExportKind;
  filter: ExportFilter;
  requestedBy: number;
  requestedByName: string | null;
  requestedAt: Date;
  rowCount: number;
  status: ExportStatus;
  overCaps: string[];
  decidedBy: number | null;
  decidedByName: string | null;
  decidedAt: Date | null;
  downloadUntil: Date | null;
  exportedAt: Date | null;
  exportedRows: number | null;
}

/** Exports a staff member made in the last 24 hours (direct ones and approved downloads): the daily cap. */
export async function exportsInLastDay(db: Db, staffId: number, now = new Date()): Promise<number> {
  const { n } = await db
    .selectFrom('data_export')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('requested_by', '=', staffId)
    .where('kind', '!=', 'shipping_labels') // daily packing work: capped per file and announced, not counted here
    .where('status', 'in', ['exported', 'downloaded'])
    .where('exported_at', '>', new Date(now.getTime() - dayMs))
    .executeTakeFirstOrThrow();
  return n;
}

/** Serializes one staff member's exports (cap check and insert) across requests and app instances. */
export async function lockStaffExports(trx: Db, staffId: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('omamori.data_export'), ${staffId}::int)`.execute(trx);
}

export async function insertExport(
  trx: Db,
  row: { kind: StoredExportKind; filter: ExportFilter; staffId: number; rowCount: number; status: 'exported' | 'pending'; overCaps: string[]; exportedRows?: number },
): Promise<number> {
  const now = new Date();
  const { id } = await trx
    .insertInto('data_export')
    .values({
      kind: row.kind,
      filter: JSON.stringify(row.filter),
      requested_by: row.staffId,
      row_count: row.rowCount,
      status: row.status,
      over_caps: row.overCaps.join(','),
      exported_at: row.status === 'exported' ? now : null,
      exported_rows: row.status === 'exported' ? (row.exportedRows ?? row.rowCount) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

function query(db: Db) {
  return db
    .selectFrom('data_export as e')
    .leftJoin('staff as r', 'r.id', 'e.requested_by')
    .leftJoin('staff as d', 'd.id', 'e.decided_by')
    .selectAll('e')
    .select(['r.name as requested_by_name', 'd.name as decided_by_name']);
}

type Raw = Awaited<ReturnType<ReturnType<typeof query>['executeTakeFirstOrThrow']>>;

function toRow(r: Raw): ExportRow {
  const filter = typeof r.filter === 'string' ? (JSON.parse(r.filter) as ExportFilter) : r.filter;
  return {
    id: r.id,
    kind: r.kind,
    filter,
    requestedBy: r.requested_by,
    requestedByName: r.requested_by_name,
    requestedAt: r.requested_at,
    rowCount: r.row_count,
    status: r.status,
    overCaps: r.over_caps ? r.over_caps.split(',') : [],
    decidedBy: r.decided_by,
    decidedByName: r.decided_by_name,
    decidedAt: r.decided_at,
    downloadUntil: r.download_until,
    exportedAt: r.exported_at,
    exportedRows: r.exported_rows,
  };
}

export async function findExport(db: Db, id: number): Promise<ExportRow | null> {
  const r = await query(db).where('e.id', '=', id).executeTakeFirst();
  return r ? toRow(r) : null;
}

export async function listExports(db: Db, opts: { statuses?: ExportStatus[]; limit: number }): Promise<ExportRow[]> {
  let q = query(db);
  if (opts.statuses) q = q.where('e.status', 'in', opts.statuses);
  return (await q.orderBy('e.id', 'desc').limit(opts.limit).execute()).map(toRow);
}

/**
 * Approves or denies a pending request, once: a concurrent second decision, or the requester deciding
 * their own request (T4: four eyes; the table refuses it too), changes nothing and returns false.
 */
export async function decideExport(trx: Db, id: number, approverId: number, approve: boolean, downloadUntil: Date): Promise<boolean> {
  const r = await trx
    .updateTable('data_export')
    .set({ status: approve ? 'approved' : 'denied', decided_by: approverId, decided_at: new Date(), download_until: approve ? downloadUntil : null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('requested_by', '<>', approverId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The requester takes the approved file, once, before it expires. False: already taken, expired or not theirs. */
export async function claimDownload(trx: Db, id: number, staffId: number, rows: number, now = new Date()): Promise<boolean> {
  const r = await trx
    .updateTable('data_export')
    .set({ status: 'downloaded', exported_at: now, exported_rows: rows })
    .where('id', '=', id)
    .where('requested_by', '=', staffId)
    .where('status', '=', 'approved')
    .where('download_until', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
