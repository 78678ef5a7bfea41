import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';

export const GUARD_RETENTION_TASK = 'guard-event-retention';
const batch = 5000;

/**
 * T2: a refused card-number event (guard_event: route, field, keyed hashes) is evidence for a while, then only
 * data kept for no reason. Deletes events older than `days`, in batches so that a table filled by an attack
 * never holds a long lock. Returns how many were deleted.
 */
export async function deleteOldGuardEvents(db: Db, days: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  let deleted = 0;
  for (;;) {
    const old = db.selectFrom('guard_event').select('id').where('created_at', '<', cutoff).orderBy('id').limit(batch);
    const result = await db.deleteFrom('guard_event').where('id', 'in', old).executeTakeFirst();
    const n = Number(result.numDeletedRows);
    deleted += n;
    if (n < batch) return deleted;
  }
}

/** Runs the deletion every 6 hours (GUARD_EVENT_RETENTION_DAYS, default 90). */
export function scheduleGuardEventRetention(ctx: Pick<AppContext, 'db' | 'scheduler' | 'log' | 'config'>): void {
  ctx.scheduler.every(GUARD_RETENTION_TASK, 6 * 3600_000, async () => {
    const deleted = await deleteOldGuardEvents(ctx.db, ctx.config.guardEventRetentionDays);
    if (deleted) ctx.log.info({ deleted, days: ctx.config.guardEventRetentionDays }, 'old card guard events deleted');
  });
}
