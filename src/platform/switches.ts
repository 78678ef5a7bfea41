import type { AppContext } from './context.ts';
import { notify, type Db } from './db/database.ts';

/** The store-wide switches an incident response throws (issue 13). Off unless engaged. */
export const responseSwitchNames = ['card_payments_stopped', 'store_closed'] as const;
export type ResponseSwitch = (typeof responseSwitchNames)[number];

export interface ResponseSwitches {
  /** From memory: every instance reloads on NOTIFY and every few seconds. */
  engaged(name: ResponseSwitch): boolean;
  set(trx: Db, name: ResponseSwitch, engaged: boolean, by: { staffId: number | null; reason: string }): Promise<void>;
  refresh(): Promise<void>;
}

const channel = 'response_switch_changed';
const refreshMs = 3_000;

/**
 * One per store, created by createServices and carried on `Services` (issue 11). T1/T5: a switch thrown on one instance holds on every instance within seconds (NOTIFY at once,
 * a reload every 3 s if a notification was lost), so card payments cannot continue on a second instance.
 */
export function createResponseSwitches(ctx: AppContext): ResponseSwitches {
  const on = new Set<ResponseSwitch>();
  const refresh = async () => {
    const rows = await ctx.db.selectFrom('response_switch').select(['name', 'engaged']).execute();
    on.clear();
    for (const r of rows) if (r.engaged) on.add(r.name as ResponseSwitch);
  };
  const safeRefresh = () => refresh().catch((err: unknown) => ctx.log.warn({ err }, 'response switches: reload failed'));
  const s: ResponseSwitches = {
    engaged: (name) => on.has(name),
    refresh,
    async set(trx, name, engaged, by) {
      await trx
        .insertInto('response_switch')
        .values({ name, engaged, reason: by.reason, changed_by: by.staffId, changed_at: new Date() })
        .onConflict((oc) => oc.column('name').doUpdateSet({ engaged, reason: by.reason, changed_by: by.staffId, changed_at: new Date() }))
        .execute();
      await notify(trx, channel);
      if (engaged) on.add(name);
      else on.delete(name);
    },
  };
  void safeRefresh();
  ctx.database.listen(channel, () => void safeRefresh()).catch((err: unknown) => ctx.log.warn({ err }, 'response switches: cannot listen; reloading every 3 s'));
  ctx.scheduler.every('response-switches', refreshMs, safeRefresh, { single: false });
  return s;
}
