import type { AppContext } from '../platform/context.ts';
import { enqueueJob } from '../platform/jobs/queue.ts';
import type { EncryptedTableSpec } from '../vault/registry.ts';
import { rotateDek, rotateKek } from '../vault/rotation.ts';
import { asDb, incidentDb } from './tables.ts';
import { addEvent } from './timeline.ts';

export const rotateJob = 'incident.rotate.keys';

/**
 * "Rotate keys" from the incident page (T1/T3: a copy of the database or of a key file may be in other hands): the
 * existing rotations of `omamori keys rotate`, one step per queued job: the master key first (a new key file; with
 * the env provider the data keys are re-wrapped under the configured key), then a new data key for every encrypted
 * table with each value re-encrypted (resumable: an interrupted step runs again and continues). Each step finished
 * is a timestamped entry on the incident's timeline.
 */
export function registerRotateJob(ctx: AppContext, encryptedTables: readonly EncryptedTableSpec[]): void {
  const db = incidentDb(ctx.db);
  ctx.jobs.register(rotateJob, async (payload) => {
    const incidentId = Number(payload.incidentId);
    const step = Number(payload.step);
    const graceMs = Math.min(ctx.vault.refreshMs, 5_000);
    let detail: Record<string, unknown>;
    if (step === 0) {
      const r = await rotateKek(ctx.vault, { createNew: ctx.vault.provider.kind !== 'env' });
      detail = { key: 'master', target: r.target, rewrapped: r.rewrapped, retired: r.retired.length };
    } else {
      const spec = encryptedTables[step - 1]!;
      const r = await rotateDek(ctx.vault, spec, { graceMs });
      detail = { key: spec.table, rows: r.rows };
    }
    await db.transaction().execute(async (trx) => {
      const last = step >= encryptedTables.length;
      await addEvent(trx, incidentId, null, 'containment', { action: last ? 'rotate_keys_done' : 'rotate_keys_step', ...detail });
      if (!last) await enqueueJob(asDb(trx), rotateJob, { incidentId, step: step + 1 });
    });
  });
}
