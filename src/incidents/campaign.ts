import { sql } from 'kysely';
import type { AppContext } from '../platform/context.ts';
import { enqueueJob } from '../platform/jobs/queue.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import { contactsOf } from './contacts.ts';
import { defaultNotice, noticeMail } from './notice-text.ts';
import { dataKinds, type DataKind } from './scope.ts';
import { asDb, incidentDb, type IncidentDb, type NoticeBody } from './tables.ts';
import { addEvent } from './timeline.ts';

export const campaignJob = 'incident.campaign.batch';
const batchSize = 200;

/** Starts a notification campaign over a scope's affected people; the batches run as queued jobs. */
export async function startCampaign(db: IncidentDb, incidentId: number, scopeId: number, staffId: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { id } = await trx.insertInto('incident_campaign').values({ incident_id: incidentId, scope_id: scopeId, created_by: staffId }).returning('id').executeTakeFirstOrThrow();
    await enqueueJob(asDb(trx), campaignJob, { campaignId: id });
    await addEvent(trx, incidentId, staffId, 'campaign_started', { campaign_id: id, scope_id: scopeId });
    return id;
  });
}

/** The notice the mails quote: the newest saved version, or the one generated from the incident. */
export async function noticeFor(db: IncidentDb, incidentId: number, shopName: string): Promise<NoticeBody> {
  const saved = await db.selectFrom('incident_notice').select('body').where('incident_id', '=', incidentId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  if (saved) return saved.body;
  const inc = await db.selectFrom('incident').selectAll().where('id', '=', incidentId).executeTakeFirstOrThrow();
  const scope = await db.selectFrom('incident_scope').select(['counts', 'total']).where('incident_id', '=', incidentId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  const counts = (scope?.counts ?? {}) as Record<string, number>;
  return defaultNotice({ shopName, kind: inc.kind, knownAt: new Date(inc.known_at), people: scope?.total ?? 0, kinds: dataKinds.filter((k) => (counts[k] ?? 0) > 0) });
}

/**
 * One batch of a campaign, in one transaction with the next batch's job: recipients after the cursor get a row in
 * incident_recipient (unique per campaign and person) and, with an e-mail address, a queued mail. A crash rolls the
 * whole batch back and the job runs again: nobody is mailed twice and nobody is missed.
 */
export function registerCampaignJob(ctx: AppContext, shopName: () => Promise<string>): void {
  const db = incidentDb(ctx.db);
  ctx.jobs.register(campaignJob, async (payload) => {
    const campaignId = Number(payload.campaignId);
    const name = await shopName();
    await db.transaction().execute(async (trx) => {
      const c = await trx.selectFrom('incident_campaign').selectAll().where('id', '=', campaignId).forUpdate().executeTakeFirst();
      if (!c || c.status === 'done') return;
      const notice = await noticeFor(trx, c.incident_id, name);
      const rows = await trx
        .selectFrom('incident_affected')
        .select(['subject', 'customer_id', 'order_id', 'card'])
        .where('scope_id', '=', c.scope_id)
        .where('subject', '>', c.cursor)
        .orderBy('subject')
        .limit(batchSize)
        .execute();
      const contacts = await contactsOf(trx, ctx.vault, rows);
      for (const r of rows) {
        const contact = contacts.get(r.subject);
        const email = contact?.email ?? '';
        const inserted = await trx
          .insertInto('incident_recipient')
          .values({ campaign_id: campaignId, subject: r.subject, channel: email ? 'email' : 'letter', status: email ? 'queued' : 'letter' })
          .onConflict((oc) => oc.columns(['campaign_id', 'subject']).doNothing())
          .returning('subject')
          .executeTakeFirst();
        if (!inserted || !contact || !email) continue;
        const kinds: DataKind[] = ['name', 'email', ...(r.order_id !== null ? (['address', 'phone', 'order_history'] as const) : []), ...(r.card ? (['card_brand_last4'] as const) : [])];
        const mail = noticeMail(contact.locale, { shopName: name, shopUrl: ctx.config.publicUrl, name: contact.name, notice, kinds, card: r.card });
        const outboxId = await queueMail(asDb(trx), { kind: 'incident.notice', to: email, subject: mail.subject, text: mail.text });
        await trx.updateTable('incident_recipient').set({ outbox_id: outboxId }).where('campaign_id', '=', campaignId).where('subject', '=', r.subject).execute();
      }
      const last = rows[rows.length - 1]?.subject;
      if (rows.length < batchSize) {
        await trx.updateTable('incident_campaign').set({ status: 'done', finished_at: new Date(), ...(last ? { cursor: last } : {}) }).where('id', '=', campaignId).execute();
        await addEvent(trx, c.incident_id, null, 'campaign_done', { campaign_id: campaignId });
      } else {
        await trx.updateTable('incident_campaign').set({ cursor: last! }).where('id', '=', campaignId).execute();
        await enqueueJob(asDb(trx), campaignJob, { campaignId });
      }
    });
  });
}

/** Delivery outcomes from the outbox: sent, or bounced (a permanent SMTP rejection), which then gets a letter. */
export async function refreshDeliveries(db: IncidentDb, campaignId: number): Promise<void> {
  await sql`update incident_recipient r set status = case when m.status = 'failed' then 'bounced' else 'sent' end, updated_at = now()
    from mail_outbox m where m.id = r.outbox_id and r.campaign_id = ${campaignId} and r.status = 'queued' and m.status in ('sent', 'kept', 'failed')`.execute(db);
}

export async function campaignStats(db: IncidentDb, campaignId: number): Promise<Record<'queued' | 'sent' | 'bounced' | 'letter', number>> {
  const rows = await db.selectFrom('incident_recipient').select(['status', sql<number>`count(*)::int`.as('n')]).where('campaign_id', '=', campaignId).groupBy('status').execute();
  const out = { queued: 0, sent: 0, bounced: 0, letter: 0 };
  for (const r of rows) out[r.status] = r.n;
  return out;
}

export async function campaignsOf(db: IncidentDb, incidentId: number) {
  return db.selectFrom('incident_campaign').selectAll().where('incident_id', '=', incidentId).orderBy('id', 'desc').execute();
}
