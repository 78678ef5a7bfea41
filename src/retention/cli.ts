import { loadConfig, type Config } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { openVault } from '../vault/index.ts';
import { formatReport, runRetention } from './service.ts';

type Command = { summary: string; run(args: string[]): Promise<number> };
type Out = Pick<Console, 'log' | 'error'>;

const usage = 'usage: omamori retention run [--dry-run]';

/**
 * `omamori retention run --dry-run`: prints what the retention job would erase, changing nothing.
 * `omamori retention run`: erases it now (recorded in the audit trail), as the daily job does.
 */
export async function runRetentionCommand(args: string[], config: Config, out: Out = console): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'run' || rest.some((a) => a !== '--dry-run')) {
    out.error(usage);
    return 2;
  }
  if (!config.retentionCustomerInactiveDays && !config.retentionOrderDeleteYears) out.log('retention is off: set RETENTION_CUSTOMER_INACTIVE_DAYS (and optionally RETENTION_ORDER_DELETE_YEARS)');
  const handle = await openDatabase(config);
  try {
    await migrate(handle);
    const vault = await openVault(config, handle);
    try {
      const r = await runRetention({ db: handle.db, vault, config }, { dryRun: rest.includes('--dry-run') });
      out.log(formatReport(r));
      return 0;
    } finally {
      await vault.close();
    }
  } finally {
    await handle.close();
  }
}

export const retentionCommand: Command = {
  summary: 'retention run [--dry-run]: erase personal data past the retention period (or report what would go)',
  run: (args) => runRetentionCommand(args, loadConfig()),
};
