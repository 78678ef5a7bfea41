import { raiseAlert } from '../alerts/raise.ts';
import type { AuditService } from '../audit/service.ts';
import type { AppContext } from '../platform/context.ts';
import { createBackup, type BackupResult } from './create.ts';
import { pruneBackups } from './prune.ts';

/** Takes a backup through the running store's own database handle (the way to back up the embedded database live). */
export async function backupNow(ctx: AppContext, audit: Pick<AuditService, 'flush'>): Promise<BackupResult> {
  await audit.flush(); // the JSON-lines copy as complete as the database it goes with
  const r = await createBackup({ config: ctx.config, database: ctx.database, provider: ctx.vault.provider, outDir: ctx.config.backupDir });
  const removed = pruneBackups(ctx.config.backupDir, ctx.config.backupKeep);
  ctx.log.info({ backup: r.manifest.id, dir: r.dir, ms: Math.round(r.ms), removed: removed.length }, 'backup written');
  return r;
}

/**
 * Scheduled backups (BACKUP_INTERVAL_HOURS, off by default), keeping the newest BACKUP_KEEP. A failed backup is a
 * high alert mailed to the owners: a shop that believes it has backups and has none finds out at the worst time.
 */
export function createBackupSchedule(ctx: AppContext, audit: Pick<AuditService, 'flush'>): void {
  const hours = ctx.config.backupIntervalHours;
  if (!hours) return;
  ctx.scheduler.every('backup', hours * 3_600_000, async () => {
    try {
      await backupNow(ctx, audit);
    } catch (err) {
      ctx.log.error({ err }, 'scheduled backup failed');
      await raiseAlert(ctx.db, { kind: 'backup_failed', severity: 'high', title: '定期バックアップに失敗しました (scheduled backup failed)', detail: { reason: (err as Error).message.slice(0, 200) } });
    }
  });
}
