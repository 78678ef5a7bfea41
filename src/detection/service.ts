import { sql } from 'kysely';
import { raiseAlert } from '../alerts/raise.ts';
import type { AppContext } from '../platform/context.ts';
import type { Db } from '../platform/db/database.ts';
import { scanDecryptHook } from '../vault/scan-hook.ts';
import { redactText } from '../platform/card-numbers/pan-scanner.ts';
import { maskedLocations, runPanScan, type ScanOptions, type ScanReport } from '../platform/card-numbers/scan.ts';
import type { PanScanTrigger } from './tables.ts';

export const PAN_SCAN_TASK = 'pan-scan';
export const PAN_FOUND_TITLE = 'カード番号らしき数字が保存されています / Card-number-like data found';
const MAX_LOCATIONS = 100;

/**
 * `PAN_SCAN_INTERVAL_HOURS` (default 24): how often the store scans its database and DATA_DIR for card
 * numbers. Read here rather than in platform/config.ts so the detection domain stays self-contained.
 */
export function panScanIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PAN_SCAN_INTERVAL_HOURS;
  if (raw === undefined || raw === '') return 24 * 3600_000;
  const hours = Number(raw);
  if (!Number.isFinite(hours) || hours < 0.1 || hours > 720) throw new Error(`Invalid configuration:\n  PAN_SCAN_INTERVAL_HOURS: must be a number of hours between 0.1 and 720 (got "${raw}")`);
  return Math.round(hours * 3600_000);
}

/** Runs one scan and records it in pan_scan_run; alerts the owners on any find. */
export async function scanAndRecord(
  db: Db,
  trigger: PanScanTrigger,
  scan: ScanOptions,
  opts: { alert?: boolean; log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void } } = {},
): Promise<{ runId: number; report: ScanReport }> {
  const run = await db.insertInto('pan_scan_run').values({ trigger }).returning('id').executeTakeFirstOrThrow();
  let report: ScanReport;
  try {
    report = await runPanScan(scan);
  } catch (err) {
    await db
      .updateTable('pan_scan_run')
      .set({ status: 'failed', finished_at: new Date(), error: redactText((err as Error).message).slice(0, 2000) })
      .where('id', '=', run.id)
      .execute();
    throw err;
  }
  const locations = maskedLocations(report);
  const errors = [...(report.database?.errors.map((e) => `table ${e.table}: ${e.error}`) ?? []), ...report.files.errors.map((e) => `${e.path}: ${e.error}`)];
  await db
    .updateTable('pan_scan_run')
    .set({
      status: report.finds.length ? 'found' : report.complete ? 'clean' : 'failed',
      finished_at: new Date(),
      tables_scanned: report.database?.tables ?? 0,
      columns_scanned: report.database?.columns ?? 0,
      rows_scanned: report.database?.rows ?? 0,
      files_scanned: report.files.files,
      bytes_scanned: report.bytesScanned,
      finds: report.finds.length,
      locations: JSON.stringify(locations.slice(0, MAX_LOCATIONS)),
      error: errors.length ? `incomplete: ${errors.slice(0, 20).join('; ')}`.slice(0, 2000) : null,
    })
    .where('id', '=', run.id)
    .execute();
  if (report.finds.length) {
    // T5: found in seconds, not years: the owners are told at once. Masked locations only.
    opts.log?.warn({ runId: run.id, finds: report.finds.length }, 'card-number scan found card-number-like data');
    if (opts.alert !== false) {
      // T5 drill (issue 15): finds only in one drill run's planted files (named `omamori-drill-<nonce>`) get that run's
      // own alert, labelled as a drill; a real find (or any find beside a drill's) keeps the shared fingerprint and
      // is never merged into, or closed with, a drill's alert.
      const drills = new Set(report.finds.map((f) => /omamori-drill-[0-9a-f]{24}/.exec(f.location)?.[0] ?? ''));
      const drillOnly = drills.size === 1 && !drills.has('') ? [...drills][0] : undefined;
      await raiseAlert(db, {
        kind: 'pan_found',
        severity: 'critical',
        title: PAN_FOUND_TITLE,
        ...(drillOnly ? { fingerprint: `pan_found:${drillOnly}` } : {}),
        detail: { runId: run.id, finds: report.finds.length, locations: locations.slice(0, 20), ...(locations.length > 20 ? { more: locations.length - 20 } : {}) },
      });
    }
  } else if (!report.complete) opts.log?.error({ runId: run.id, errors: errors.slice(0, 5) }, 'card-number scan incomplete');
  return { runId: run.id, report };
}

export interface DetectionService {
  /** Scans now, whatever the schedule (admin action, tests). */
  scanNow(trigger?: PanScanTrigger): Promise<{ runId: number; report: ScanReport }>;
}

/**
 * T5: the scheduled card-number scan. The task checks every few minutes whether the last run is older than
 * the interval, so the schedule survives restarts and deploys (a plain daily timer would never fire on a
 * store restarted every day), and the scheduler's advisory lock keeps it to one instance at a time.
 */
export function createDetection(ctx: AppContext): DetectionService {
  const intervalMs = panScanIntervalMs();
  const scanOptions = (): ScanOptions => ({
    db: { db: ctx.db, kind: ctx.database.kind },
    dataDir: ctx.config.dataDir,
    logFile: process.env.LOG_FILE || undefined,
    // Issue 5: values stored as vault ciphertexts (`v1.…`) are decrypted in memory and scanned (DecryptHook).
    decrypt: scanDecryptHook(ctx.vault),
    // yield to requests between batches
    onBatch: () => new Promise((r) => setImmediate(r)),
  });
  const scanNow = (trigger: PanScanTrigger = 'manual') => scanAndRecord(ctx.db, trigger, scanOptions(), { log: ctx.log });
  ctx.scheduler.every(PAN_SCAN_TASK, Math.min(intervalMs, 10 * 60_000), async () => {
    const since = new Date(Date.now() - intervalMs);
    const recent = await ctx.db.selectFrom('pan_scan_run').select(sql<number>`count(*)`.as('n')).where('started_at', '>', since).executeTakeFirst();
    if (Number(recent?.n ?? 0) > 0) return;
    await scanNow('schedule');
  });
  return { scanNow };
}
