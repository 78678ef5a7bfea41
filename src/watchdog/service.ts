import { hostname } from 'node:os';
import { sql } from 'kysely';
import { raiseAlert } from '../alerts/raise.ts';
import { BASELINE_TASK } from '../bans/rate-detectors.ts';
import { PAN_SCAN_TASK, panScanIntervalMs } from '../detection/service.ts';
import type { AppContext } from '../platform/context.ts';
import { watchdogConfig, type WatchdogConfig } from './config.ts';

export const SILENCE_TASK = 'silence-check';

/**
 * The scheduled protections whose silence is an alert (PCI DSS 10.7.2: failures of critical security
 * controls are detected and reported). Others (clean-ups, reconciliation) are not watched.
 */
export const watchedTasks = ['integrity-verify', 'page-watch', PAN_SCAN_TASK, 'audit-verify', 'backup', 'host-check', BASELINE_TASK, SILENCE_TASK] as const;

const instance = `${hostname()}:${process.pid}`.slice(0, 100);

export interface Overdue {
  name: string;
  everyMs: number;
  lastOkAt: Date | null;
  lastError: string | null;
}

export interface Watchdog {
  readonly config: WatchdogConfig;
  /** One check now: every watched task registered on this instance whose last good run is overdue raises an alert. */
  checkNow(now?: Date): Promise<Overdue[]>;
  /** Resolves when every heartbeat written so far is stored (tests). */
  settled(): Promise<void>;
}

/**
 * Issue 12, silence: every run of a scheduled task is a heartbeat row (the scheduler tells us, ok or
 * failed); a check every minute raises an alert for a watched protection that has not run well when due
 * (its interval plus SILENCE_GRACE_MINUTES). The card-number scan is judged by its own run records,
 * because its timer ticks every 10 minutes but scans only when a scan is due.
 */
export function createWatchdog(ctx: AppContext, cfg: WatchdogConfig = watchdogConfig()): Watchdog {
  const { db, log } = ctx;
  const startedAt = new Date();
  const pending = new Set<Promise<unknown>>();
  const watched = new Set<string>(watchedTasks);

  ctx.scheduler.onRun((run) => {
    if (!watched.has(run.name)) return;
    const values = { every_ms: run.everyMs, last_run_at: run.at, instance, last_error: run.error?.slice(0, 300) ?? null, ...(run.error ? {} : { last_ok_at: run.at }) };
    const p = db
      .insertInto('heartbeat')
      .values({ name: run.name, ...values })
      .onConflict((oc) => oc.column('name').doUpdateSet(values))
      .execute()
      .catch((err: unknown) => log.warn({ err: (err as Error).message, task: run.name }, 'heartbeat not stored'));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  });

  async function lastOk(name: string): Promise<{ at: Date | null; error: string | null }> {
    if (name === PAN_SCAN_TASK) {
      const r = await db.selectFrom('pan_scan_run').select(sql<Date | null>`max(finished_at)`.as('at')).where('status', 'in', ['clean', 'found']).executeTakeFirst();
      return { at: r?.at ? new Date(r.at) : null, error: null };
    }
    const r = await db.selectFrom('heartbeat').select(['last_ok_at', 'last_error']).where('name', '=', name).executeTakeFirst();
    return { at: r?.last_ok_at ? new Date(r.last_ok_at) : null, error: r?.last_error ?? null };
  }

  async function checkNow(now = new Date()): Promise<Overdue[]> {
    const overdue: Overdue[] = [];
    const tasks = ctx.scheduler.list().filter((t) => watched.has(t.name) && t.name !== SILENCE_TASK);
    for (const t of tasks) {
      const everyMs = t.name === PAN_SCAN_TASK ? panScanIntervalMs() : t.everyMs;
      const last = await lastOk(t.name);
      // Never ran well: counted from this instance's start (a fresh store is not overdue at once).
      const since = last.at ?? startedAt;
      if (now.getTime() - since.getTime() <= everyMs + cfg.graceMinutes * 60_000) continue;
      overdue.push({ name: t.name, everyMs, lastOkAt: last.at, lastError: last.error });
      // PCI DSS 10.7.2: a security control that stopped working is itself an incident.
      await raiseAlert(db, {
        kind: 'silence',
        severity: 'high',
        title: `定期チェックが止まっています / a scheduled protection has not run: ${t.name}`,
        detail: { task: t.name, lastOkAt: last.at?.toISOString() ?? 'never', everyMinutes: Math.round(everyMs / 60_000), lastError: last.error ?? '', instance },
        fingerprint: `silence:${t.name}`,
      });
    }
    if (overdue.length) log.error({ overdue: overdue.map((o) => o.name) }, 'silence: scheduled protections overdue');
    return overdue;
  }

  // Each instance checks the tasks it runs itself; the check is a watched task too (seen stale by another instance or the overview).
  if (cfg.checkSeconds > 0) ctx.scheduler.every(SILENCE_TASK, cfg.checkSeconds * 1000, async () => void (await checkNow()), { single: false });

  return {
    config: cfg,
    checkNow,
    async settled() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
  };
}

