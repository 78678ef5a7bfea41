import type { Db } from '../platform/db/database.ts';
import type { AlertSeverity } from './tables.ts';

export interface AlertView {
  id: number;
  kind: string;
  severity: AlertSeverity;
  title: string;
  detail: Record<string, unknown>;
  occurrences: number;
  notifications: number;
  createdAt: Date;
  lastSeenAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  note: string | null;
  resolvedAt: Date | null;
  resolutionNote: string | null;
}

export interface AlertFilter {
  status?: 'open' | 'acknowledged' | 'resolved' | 'all';
  severity?: AlertSeverity;
  kind?: string;
  limit?: number;
}

const base = (db: Db) =>
  db
    .selectFrom('alert')
    .leftJoin('staff', 'staff.id', 'alert.acknowledged_by')
    .select(['alert.id', 'alert.kind', 'alert.severity', 'alert.title', 'alert.detail', 'alert.occurrences', 'alert.notifications', 'alert.created_at', 'alert.last_seen_at', 'alert.acknowledged_at', 'alert.acknowledgement_note', 'alert.resolved_at', 'alert.resolution_note', 'staff.name as acknowledged_by_name']);

type Row = Awaited<ReturnType<ReturnType<typeof base>['executeTakeFirstOrThrow']>>;

function view(r: Row, acknowledgedByFallback: string | null = null): AlertView {
  return {
    id: Number(r.id),
    kind: r.kind,
    severity: r.severity,
    title: r.title,
    detail: typeof r.detail === 'string' ? (JSON.parse(r.detail) as Record<string, unknown>) : r.detail,
    occurrences: Number(r.occurrences),
    notifications: Number(r.notifications),
    createdAt: new Date(r.created_at),
    lastSeenAt: new Date(r.last_seen_at),
    acknowledgedAt: r.acknowledged_at ? new Date(r.acknowledged_at) : null,
    acknowledgedBy: r.acknowledged_by_name ?? (r.acknowledged_at ? acknowledgedByFallback : null),
    note: r.acknowledgement_note,
    resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
    resolutionNote: r.resolution_note,
  };
}

const severityOrder = ['critical', 'high', 'medium', 'low'] as const;

/** Open alerts first (most severe, then newest), then acknowledged ones. */
export async function listAlerts(db: Db, f: AlertFilter = {}): Promise<AlertView[]> {
  let q = base(db);
  if (f.status === 'open' || f.status === undefined) q = q.where('alert.acknowledged_at', 'is', null);
  if (f.status === 'acknowledged') q = q.where('alert.acknowledged_at', 'is not', null).where('alert.resolved_at', 'is', null);
  if (f.status === 'resolved') q = q.where('alert.resolved_at', 'is not', null);
  if (f.severity) q = q.where('alert.severity', '=', f.severity);
  if (f.kind) q = q.where('alert.kind', '=', f.kind);
  const rows = await q.orderBy('alert.last_seen_at', 'desc').limit(Math.min(f.limit ?? 200, 1000)).execute();
  return rows.map((r) => view(r, 'CLI')).sort((a, b) => Number(a.acknowledgedAt !== null) - Number(b.acknowledgedAt !== null) || severityOrder.indexOf(a.severity) - severityOrder.indexOf(b.severity) || b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
}

export async function getAlert(db: Db, id: number): Promise<AlertView | null> {
  const r = await base(db).where('alert.id', '=', id).executeTakeFirst();
  return r ? view(r, 'CLI') : null;
}

/** Acknowledges an open alert with a note; false when it does not exist or is already acknowledged. */
export async function acknowledgeAlert(db: Db, id: number, by: number | null, note: string): Promise<boolean> {
  const r = await db.updateTable('alert').set({ acknowledged_at: new Date(), acknowledged_by: by, acknowledgement_note: note.slice(0, 1000) }).where('id', '=', id).where('acknowledged_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Resolves an alert (the cause is dealt with): closes it, acknowledging it too when it was still open, so
 * that a new occurrence opens a new alert. False when it does not exist or is already resolved.
 */
export async function resolveAlert(db: Db, id: number, by: number | null, note: string): Promise<boolean> {
  const now = new Date();
  const r = await db
    .updateTable('alert')
    .set((eb) => ({
      resolved_at: now,
      resolved_by: by,
      resolution_note: note.slice(0, 1000),
      acknowledged_at: eb.fn.coalesce('acknowledged_at', eb.val(now)),
      acknowledged_by: eb.fn.coalesce('acknowledged_by', eb.val(by)),
    }))
    .where('id', '=', id)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Unacknowledged critical alerts, newest first: the banner on every console page. */
export async function openCriticalAlerts(db: Db, limit = 3): Promise<Array<{ id: number; title: string }>> {
  const rows = await db.selectFrom('alert').select(['id', 'title']).where('acknowledged_at', 'is', null).where('severity', '=', 'critical').orderBy('last_seen_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({ id: Number(r.id), title: r.title }));
}
