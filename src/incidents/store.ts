import { sql } from 'kysely';
import { collectEvidence, freezeEvidence } from './evidence.ts';
import { maliciousByDefault, taskTemplates } from './kinds.ts';
import type { IncidentDb, IncidentKind, IncidentSeverity, IncidentStatus } from './tables.ts';
import { addEvent } from './timeline.ts';

const dayMs = 86_400_000;
/** The evidence window reaches this far back before the time the shop knew (skimmers sit unnoticed for weeks). */
export const evidenceLookbackDays = 30;

export interface DeclareInput {
  title: string;
  severity: IncidentSeverity;
  kind: IncidentKind;
  knownAt: Date;
  leadStaffId: number | null;
  alertId: number | null;
  declaredBy: number;
}

/** Declares an incident: the case, its checklist, the frozen evidence and the first timeline entries, in one transaction. */
export async function declareIncident(db: IncidentDb, input: DeclareInput): Promise<{ id: number; evidence: number; manifest: string }> {
  return db.transaction().execute(async (trx) => {
    const alert = input.alertId ? await trx.selectFrom('alert').select(['id', 'created_at']).where('id', '=', input.alertId).executeTakeFirst() : undefined;
    const start = Math.min(input.knownAt.getTime(), alert ? new Date(alert.created_at).getTime() : Infinity);
    const windowFrom = new Date(start - evidenceLookbackDays * dayMs);
    const windowTo = new Date();
    const { id } = await trx
      .insertInto('incident')
      .values({
        title: input.title,
        severity: input.severity,
        kind: input.kind,
        known_at: input.knownAt,
        declared_by: input.declaredBy,
        lead_staff_id: input.leadStaffId,
        alert_id: alert?.id ?? null,
        window_from: windowFrom,
        window_to: windowTo,
        malicious: maliciousByDefault[input.kind],
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const tasks = taskTemplates[input.kind];
    if (tasks.length) await trx.insertInto('incident_task').values(tasks.map((title, position) => ({ incident_id: id, position, title }))).execute();
    await addEvent(trx, id, input.declaredBy, 'declared', { kind: input.kind, severity: input.severity, known_at: input.knownAt.toISOString(), alert_id: alert?.id ?? null });
    const frozen = await freezeEvidence(trx, id, await collectEvidence(trx, windowFrom, windowTo, alert?.id ?? null));
    await addEvent(trx, id, input.declaredBy, 'evidence_frozen', { items: frozen.count, manifest_sha256: frozen.manifest });
    return { id, evidence: frozen.count, manifest: frozen.manifest };
  });
}

export async function listIncidents(db: IncidentDb, limit = 100) {
  return db
    .selectFrom('incident as i')
    .leftJoin('staff as s', 's.id', 'i.lead_staff_id')
    .select(['i.id', 'i.title', 'i.severity', 'i.kind', 'i.status', 'i.known_at', 'i.declared_at', 's.name as lead_name'])
    .orderBy('i.id', 'desc')
    .limit(limit)
    .execute();
}

export async function getIncident(db: IncidentDb, id: number) {
  return db
    .selectFrom('incident as i')
    .leftJoin('staff as s', 's.id', 'i.lead_staff_id')
    .leftJoin('staff as d', 'd.id', 'i.declared_by')
    .selectAll('i')
    .select(['s.name as lead_name', 'd.name as declared_by_name'])
    .where('i.id', '=', id)
    .executeTakeFirst();
}
export type Incident = NonNullable<Awaited<ReturnType<typeof getIncident>>>;

export async function tasksOf(db: IncidentDb, id: number) {
  return db.selectFrom('incident_task').selectAll().where('incident_id', '=', id).orderBy('position').orderBy('id').execute();
}

export async function addTask(db: IncidentDb, id: number, title: string, staffId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { n } = await trx.selectFrom('incident_task').select(sql<number>`coalesce(max(position), -1)::int + 1`.as('n')).where('incident_id', '=', id).executeTakeFirstOrThrow();
    await trx.insertInto('incident_task').values({ incident_id: id, position: n, title }).execute();
    await addEvent(trx, id, staffId, 'task_added', { title });
  });
}

export async function setTaskDone(db: IncidentDb, id: number, taskId: number, done: boolean, staffId: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('incident_task')
      .set(done ? { done_at: new Date(), done_by: staffId } : { done_at: null, done_by: null })
      .where('id', '=', taskId)
      .where('incident_id', '=', id)
      .returning('title')
      .executeTakeFirst();
    if (!row) return false;
    await addEvent(trx, id, staffId, done ? 'task_done' : 'task_reopened', { task_id: taskId, title: row.title });
    return true;
  });
}

export async function addNote(db: IncidentDb, id: number, body: string, staffId: number): Promise<void> {
  await addEvent(db, id, staffId, 'note', { body });
}

export async function setStatus(db: IncidentDb, id: number, status: IncidentStatus, staffId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('incident').set({ status, closed_at: status === 'closed' ? new Date() : null }).where('id', '=', id).execute();
    await addEvent(trx, id, staffId, 'status', { status });
  });
}
