import type { IncidentDb } from './tables.ts';

/** Every step of an incident (who, when, what): declared, contained, scoped, notified, reported. */
export type TimelineKind =
  | 'declared' | 'evidence_frozen' | 'note' | 'task_added' | 'task_done' | 'task_reopened'
  | 'containment' | 'containment_released' | 'scoped' | 'campaign_started' | 'campaign_done'
  | 'export' | 'notice_saved' | 'notice_published' | 'report_drafted' | 'status'
  | 'bounced' | 'reminder_sent' | 'report_saved' | 'report_submitted' | 'contact_added' | 'contact_made';

export async function addEvent(db: IncidentDb, incidentId: number, staffId: number | null, kind: TimelineKind, detail: Record<string, unknown> = {}): Promise<void> {
  await db.insertInto('incident_event').values({ incident_id: incidentId, staff_id: staffId, kind, detail: JSON.stringify(detail) }).execute();
}

export async function timelineOf(db: IncidentDb, incidentId: number) {
  return db
    .selectFrom('incident_event as e')
    .leftJoin('staff as s', 's.id', 'e.staff_id')
    .select(['e.id', 'e.at', 'e.kind', 'e.detail', 'e.staff_id', 's.name as staff_name'])
    .where('e.incident_id', '=', incidentId)
    .orderBy('e.id')
    .execute();
}
