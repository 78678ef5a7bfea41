import { recordStaffAction } from '../audit/record.ts';
import type { BanService } from '../bans/service.ts';
import { banValue } from '../bans/values.ts';
import { resetCustomerBatch, resetStaffPasswords, revokeAllSessions } from '../identity/staff/emergency.ts';
import type { AppContext } from '../platform/context.ts';
import { isIP } from 'node:net';
import { enqueueJob } from '../platform/jobs/queue.ts';
import type { FastifyRequest } from 'fastify';
import type { ResponseSwitches } from '../platform/switches.ts';
import type { ScriptInventory } from '../integrity/scripts/script-inventory.ts';
import { rotateJob } from './containment-keys.ts';
import { asDb, incidentDb } from './tables.ts';
import { addEvent } from './timeline.ts';

export const containmentActions = ['stop_card_payments', 'resume_card_payments', 'close_store', 'reopen_store', 'revoke_sessions', 'reset_customer_passwords', 'reset_staff_passwords', 'block_network', 'unblock_network', 'disable_script', 'rotate_keys'] as const;
export type ContainmentAction = (typeof containmentActions)[number];
/** Undoing these is an action of its own (on the timeline too); sessions and forced resets cannot be undone. */
export const releases: Partial<Record<ContainmentAction, ContainmentAction>> = { stop_card_payments: 'resume_card_payments', close_store: 'reopen_store', block_network: 'unblock_network' };
const releaseActions = new Set<ContainmentAction>(['resume_card_payments', 'reopen_store', 'unblock_network']);

export const resetJob = 'incident.reset.customers';

export interface Actor {
  id: number;
  role: string;
  sessionHash: string | null;
}

export class ContainmentInputError extends Error {}

/**
 * One containment step from the incident console (T1-T5), audited and on the timeline in the same transaction.
 * Switches hold on every instance within seconds (platform/switches.ts); the customer reset runs as keyset batches
 * in queued jobs (no transaction over every customer, memory bounded by one batch, resumed after a restart).
 */
export async function contain(ctx: AppContext, incidentId: number, action: ContainmentAction, actor: Actor, opts: { network?: string; scriptId?: string; req?: Pick<FastifyRequest, 'ip' | 'headers'>; shopName: string; bans: Pick<BanService, 'ban' | 'unban'>; switches: ResponseSwitches; scripts: Pick<ScriptInventory, 'remove'> }): Promise<Record<string, number | string>> {
  const db = incidentDb(ctx.db);
  const switches = opts.switches;
  let network: string | null = null;
  let script: { id: number; origin: string } | null = null;
  if (action === 'disable_script') {
    // T6: a third-party script suspected of skimming leaves every page; putting it back needs the inventory's
    // four-eyes approval again (integrity/scripts/script-inventory.ts).
    const id = /^\d{1,9}$/.test(opts.scriptId ?? '') ? Number(opts.scriptId) : 0;
    const row = id ? await ctx.db.selectFrom('script_inventory').select(['id', 'url']).where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst() : undefined;
    if (!row) throw new ContainmentInputError('script');
    script = { id: row.id, origin: new URL(row.url).origin };
  }
  if (action === 'block_network' || action === 'unblock_network') {
    const ip = (opts.network ?? '').trim().split('/')[0]!;
    network = isIP(ip) ? banValue('network', ip) : null;
    if (!network) throw new ContainmentInputError('network');
  }
  const result = await db.transaction().execute(async (trx) => {
    const out: Record<string, number | string> = {};
    const by = { staffId: actor.id, reason: `incident #${incidentId}` };
    if (action === 'stop_card_payments') await switches.set(asDb(trx), 'card_payments_stopped', true, by);
    else if (action === 'resume_card_payments') await switches.set(asDb(trx), 'card_payments_stopped', false, by);
    else if (action === 'close_store') await switches.set(asDb(trx), 'store_closed', true, by);
    else if (action === 'reopen_store') await switches.set(asDb(trx), 'store_closed', false, by);
    else if (action === 'revoke_sessions') out.sessions = await revokeAllSessions(asDb(trx), actor.sessionHash);
    else if (action === 'reset_staff_passwords') Object.assign(out, await resetStaffPasswords(asDb(trx), actor.id));
    else if (action === 'reset_customer_passwords') {
      const { n } = await trx.selectFrom('customer').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      out.customers = Number(n);
      await enqueueJob(asDb(trx), resetJob, { incidentId, after: 0, staffId: actor.id, shopName: opts.shopName });
    } else if (action === 'rotate_keys') {
      out.keys = 'master key, then every encrypted table';
      await enqueueJob(asDb(trx), rotateJob, { incidentId, step: 0 });
    } else if (script) {
      out.script_id = script.id;
      out.origin = script.origin;
    } else if (network) out.network = network;
    await recordStaffAction(asDb(trx), { staff: actor, action: `incident.${action}`, object: { type: 'incident', id: incidentId }, detail: { ...out }, ...(opts.req ? { req: opts.req } : {}) });
    await addEvent(trx, incidentId, actor.id, releaseActions.has(action) ? 'containment_released' : 'containment', { action, ...out });
    if (action === 'stop_card_payments' || action === 'close_store' || action === 'revoke_sessions') await trx.updateTable('incident').set({ status: 'contained' }).where('id', '=', incidentId).where('status', '=', 'open').execute();
    return out;
  });
  // Bans live in their own store (Redis or the database) behind the bans service interface.
  if (action === 'block_network') await opts.bans.ban({ scope: 'network', value: network!, reason: `incident #${incidentId}`, createdBy: `staff#${actor.id}`, minutes: 30 * 24 * 60 });
  if (action === 'unblock_network') await opts.bans.unban('network', network!, `staff#${actor.id}`);
  if (script) await opts.scripts.remove({ id: actor.id, role: actor.role }, script.id, opts.req);
  return result;
}

/** The forced customer reset, one keyset batch per job, each batch and the next job in one transaction. */
export function registerResetJob(ctx: AppContext): void {
  const db = incidentDb(ctx.db);
  ctx.jobs.register(resetJob, async (payload) => {
    const incidentId = Number(payload.incidentId);
    await db.transaction().execute(async (trx) => {
      const batch = await resetCustomerBatch(asDb(trx), { after: Number(payload.after), shopName: String(payload.shopName), publicUrl: ctx.config.publicUrl, vault: ctx.vault });
      const flagged = Number(payload.flagged ?? 0) + batch.flagged;
      if (batch.last !== null) await enqueueJob(asDb(trx), resetJob, { ...payload, after: batch.last, flagged });
      else await addEvent(trx, incidentId, null, 'containment', { action: 'reset_customer_passwords_done', customers: flagged });
    });
  });
}
