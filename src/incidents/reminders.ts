import { activeOwnerEmails } from '../identity/staff/staff-accounts.ts';
import { adminBaseUrl } from '../platform/config.ts';
import type { AppContext } from '../platform/context.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import { ppcDeadlines } from './appi.ts';
import { asDb, incidentDb, type IncidentDb } from './tables.ts';
import { addEvent } from './timeline.ts';

export const reminderTask = 'incident-deadline-reminders';
const dayMs = 86_400_000;
type Deadline = 'preliminary' | 'final';
type Stage = 'soon' | 'due';

const jst = (d: Date) => new Date(d.getTime() + 9 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

/**
 * When each reminder is due, from the time the shop knew: the 速報 on day 3 (the start of "about 3-5 days") and a
 * day before day 5; the 確報 a week and a day before day 30 (60 when malicious).
 */
export function reminderTimes(knownAt: Date, malicious: boolean): Array<{ deadline: Deadline; stage: Stage; at: Date; by: Date }> {
  const d = ppcDeadlines(knownAt, malicious);
  return [
    { deadline: 'preliminary', stage: 'soon', at: d.preliminaryFrom, by: d.preliminaryBy },
    { deadline: 'preliminary', stage: 'due', at: new Date(d.preliminaryBy.getTime() - dayMs), by: d.preliminaryBy },
    { deadline: 'final', stage: 'soon', at: new Date(d.finalBy.getTime() - 7 * dayMs), by: d.finalBy },
    { deadline: 'final', stage: 'due', at: new Date(d.finalBy.getTime() - dayMs), by: d.finalBy },
  ];
}

/**
 * Mails every active owner before each PPC deadline of an incident that is not closed and whose report of that
 * stage is not marked submitted. One row per incident, deadline and stage (inserted with the mails, in one
 * transaction): a reminder is never sent twice, on any number of instances; a missed stage is not sent late
 * when a later one is already due.
 */
export async function sendDueReminders(ctx: Pick<AppContext, 'db' | 'config'>, now = new Date()): Promise<number> {
  const db = incidentDb(ctx.db);
  const open = await db.selectFrom('incident').select(['id', 'title', 'known_at', 'malicious']).where('status', '!=', 'closed').orderBy('id').execute();
  let sent = 0;
  for (const inc of open) {
    const due = reminderTimes(new Date(inc.known_at), inc.malicious).filter((r) => r.at.getTime() <= now.getTime());
    // Only the newest due stage of each deadline is mailed; an older one is recorded as passed.
    for (const deadline of ['preliminary', 'final'] as const) {
      const stages = due.filter((r) => r.deadline === deadline);
      const latest = stages[stages.length - 1];
      if (!latest) continue;
      sent += await db.transaction().execute(async (trx) => {
        const submitted = await trx.selectFrom('incident_report').select('submitted_at').where('incident_id', '=', inc.id).where('stage', '=', deadline).where('submitted_at', 'is not', null).executeTakeFirst();
        if (submitted) return 0;
        const inserted = await trx
          .insertInto('incident_reminder')
          .values(stages.map((s) => ({ incident_id: inc.id, deadline, stage: s.stage })))
          .onConflict((oc) => oc.columns(['incident_id', 'deadline', 'stage']).doNothing())
          .returning('stage')
          .execute();
        if (!inserted.some((r) => r.stage === latest.stage)) return 0;
        await mailOwners(trx, ctx.config, inc, deadline, latest.by, now);
        await addEvent(trx, inc.id, null, 'reminder_sent', { deadline, stage: latest.stage, by: latest.by.toISOString() });
        return 1;
      });
    }
  }
  return sent;
}

async function mailOwners(trx: IncidentDb, config: AppContext['config'], inc: { id: number; title: string }, deadline: Deadline, by: Date, now: Date): Promise<void> {
  const label = deadline === 'preliminary' ? '速報' : '確報';
  const days = Math.max(0, Math.ceil((by.getTime() - now.getTime()) / dayMs));
  const link = `${adminBaseUrl(config)}/admin/security/incidents/${inc.id}`;
  const text = [
    `事故 #${inc.id}「${inc.title}」の個人情報保護委員会への${label}の期限が近づいています。`,
    '',
    `期限: ${jst(by)}（日本時間）、あと${days}日`,
    `報告の下書き: ${link}/report?ppc=${deadline}`,
    '',
    `提出したら、事故の画面で「${label}を提出した」を押してください。このお知らせが止まります。`,
    '',
    `Reminder: the ${deadline === 'preliminary' ? 'preliminary' : 'final'} report to the PPC for incident #${inc.id} is due ${by.toISOString()} (${days} days). Draft: ${link}/report?ppc=${deadline}`,
  ].join('\n');
  for (const to of await activeOwnerEmails(asDb(trx))) {
    await queueMail(asDb(trx), { kind: 'incident.reminder', to, subject: `【要対応】事故 #${inc.id}: ${label}の期限まであと${days}日`, text });
  }
}

/** Checked hourly by one instance at a time (src/app/schedules.ts). */
export function registerReminders(ctx: AppContext): void {
  ctx.scheduler.every(reminderTask, 3600_000, async () => {
    await sendDueReminders(ctx);
  });
}
