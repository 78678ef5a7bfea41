import { sql } from 'kysely';
import type { IncidentDb, NoticeBody } from './tables.ts';
import { addEvent } from './timeline.ts';

/** Saves a new version of the public notice (every version is kept: published and updated with history). */
export async function saveNotice(db: IncidentDb, incidentId: number, body: NoticeBody, staffId: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('omamori.incident_notice'), ${incidentId}::int)`.execute(trx);
    const { n } = await trx.selectFrom('incident_notice').select(sql<number>`coalesce(max(version), 0)::int + 1`.as('n')).where('incident_id', '=', incidentId).executeTakeFirstOrThrow();
    await trx.insertInto('incident_notice').values({ incident_id: incidentId, version: n, body: JSON.stringify(body), saved_by: staffId }).execute();
    await addEvent(trx, incidentId, staffId, 'notice_saved', { version: n });
    return n;
  });
}

export async function publishNotice(db: IncidentDb, incidentId: number, version: number, staffId: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.updateTable('incident_notice').set({ published_at: new Date() }).where('incident_id', '=', incidentId).where('version', '=', version).where('published_at', 'is', null).returning('id').executeTakeFirst();
    if (!row) return false;
    await addEvent(trx, incidentId, staffId, 'notice_published', { version });
    return true;
  });
}

export async function noticeVersions(db: IncidentDb, incidentId: number) {
  return db.selectFrom('incident_notice').selectAll().where('incident_id', '=', incidentId).orderBy('version', 'desc').execute();
}

/** The newest published version of each incident's notice, newest incident first (the public page). */
export async function publishedNotices(db: IncidentDb) {
  return db
    .selectFrom('incident_notice as n')
    .select(['n.incident_id', 'n.version', 'n.body', 'n.published_at'])
    .where('n.published_at', 'is not', null)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('incident_notice as m').select('m.id').whereRef('m.incident_id', '=', 'n.incident_id').where('m.published_at', 'is not', null).whereRef('m.version', '>', 'n.version'))))
    .orderBy('n.incident_id', 'desc')
    .execute();
}
