import type { AppContext } from '../platform/context.ts';
import type { EncryptedTableSpec } from '../vault/registry.ts';
import { appiTriggers, ppcDeadlines } from './appi.ts';
import { campaignStats, campaignsOf, refreshDeliveries, registerCampaignJob } from './campaign.ts';
import { registerResetJob } from './containment.ts';
import { registerRotateJob } from './containment-keys.ts';
import { registerReminders } from './reminders.ts';
import { verifyEvidence } from './evidence.ts';
import { noticeVersions } from './notices.ts';
import { outsideContactsOf } from './outside-contacts.ts';
import { latestScope } from './scope.ts';
import { getIncident, tasksOf } from './store.ts';
import { incidentDb } from './tables.ts';
import { timelineOf } from './timeline.ts';

/** Registers the incident console's queued work (campaign batches, customer reset batches). Called by the composition root. */
export function createIncidents(ctx: AppContext, shopName: () => Promise<string>, encryptedTables: readonly EncryptedTableSpec[]): void {
  registerCampaignJob(ctx, shopName);
  registerResetJob(ctx);
  registerReminders(ctx);
  registerRotateJob(ctx, encryptedTables);
}

/** Everything the case page and `omamori incident show` display, read in one place. */
export async function incidentCase(ctx: Pick<AppContext, 'db'>, id: number) {
  const db = incidentDb(ctx.db);
  const inc = await getIncident(db, id);
  if (!inc) return null;
  const campaigns = await campaignsOf(db, id);
  for (const c of campaigns) await refreshDeliveries(db, c.id);
  const [tasks, timeline, scope, evidence, notices, stats] = await Promise.all([
    tasksOf(db, id),
    timelineOf(db, id),
    latestScope(db, id),
    verifyEvidence(db, id),
    noticeVersions(db, id),
    Promise.all(campaigns.map(async (c) => ({ id: c.id, status: c.status, ...(await campaignStats(db, c.id)) }))),
  ]);
  const counts = (scope?.counts ?? {}) as Record<string, number>;
  const scripts = await db.selectFrom('script_inventory').select(['id', 'url', 'approved_at']).where('removed_at', 'is', null).orderBy('id').execute();
  const engaged = new Set((await db.selectFrom('response_switch').select('name').where('engaged', '=', true).execute()).map((r) => r.name));
  return {
    incident: inc,
    tasks,
    timeline,
    scope: scope ? { id: scope.id, total: scope.total, counts, criteria: scope.criteria } : null,
    evidence,
    notices,
    campaigns: stats,
    deadlines: ppcDeadlines(new Date(inc.known_at), inc.malicious),
    triggers: appiTriggers({ kind: inc.kind, malicious: inc.malicious, keysExposed: inc.keys_exposed, people: scope?.total ?? 0, cardPeople: counts.card ?? 0 }),
    scripts,
    contacts: await outsideContactsOf(db, id),
    switches: { cardPaymentsStopped: engaged.has('card_payments_stopped'), storeClosed: engaged.has('store_closed') },
  };
}
export type IncidentCase = NonNullable<Awaited<ReturnType<typeof incidentCase>>>;
