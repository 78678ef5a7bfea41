import { writeFileSync } from 'node:fs';
import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { drillReportHtml } from './report.ts';
import { drillIds, runDrills, targetAllowed, type DrillId } from './runner.ts';
import { createDrillToken } from './tokens.ts';

const usage = 'usage: omamori drill token [--hours N] | omamori drill T1|T2|T3|T4|T5|T6|all --target URL --token TOKEN [--json] [--report FILE]';

const arg = (args: string[], name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

/**
 * `omamori drill token`: a drill token (24 h), printed once, on the store's own host (it writes the database).
 * `omamori drill all --target URL --token TOKEN [--json]`: the breach drills against this store or a listed staging
 * host; exit 0 only when no step was missed.
 */
export const drillCommand = {
  summary: 'breach drills T1-T6 against this store (`drill token` prints a token; `drill all --target URL --token T [--json]`)',
  async run(args: string[]): Promise<number> {
    const sub = args[0];
    if (sub === 'token') {
      const config = loadConfig();
      const handle = await openDatabase(config);
      try {
        await migrate(handle);
        const { token, expiresAt } = await createDrillToken(handle.db, { hours: Number(arg(args, '--hours')) || 24 });
        console.log(token);
        console.error(`valid until ${expiresAt.toISOString()}`);
        return 0;
      } finally {
        await handle.close();
      }
    }
    const which: DrillId[] | null = sub === 'all' ? [...drillIds] : drillIds.includes(sub as DrillId) ? [sub as DrillId] : null;
    const target = arg(args, '--target');
    const token = arg(args, '--token') ?? process.env.DRILL_TOKEN;
    if (!which || !target || !token) {
      console.error(usage);
      return 2;
    }
    const allowedHosts = (process.env.DRILL_ALLOWED_HOSTS ?? '').split(',');
    if (!targetAllowed(target, allowedHosts)) {
      console.error(`refused: ${target} is neither this host (loopback) nor listed in DRILL_ALLOWED_HOSTS`);
      return 2;
    }
    const json = args.includes('--json');
    const config = loadConfig();
    const report = await runDrills(which, { target, token, dataDir: config.dataDir, allowedHosts, log: json ? undefined : (l) => console.log(l) });
    const file = arg(args, '--report') ?? `omamori-drill-${report.runId}.html`;
    writeFileSync(file, drillReportHtml(report));
    if (json) console.log(JSON.stringify(report, null, 2));
    else console.log(`report: ${file}`);
    return report.drills.some((d) => d.steps.some((s) => s.result === 'missed')) ? 1 : 0;
  },
};
