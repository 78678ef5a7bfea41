import { existsSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { openVault } from '../vault/open.ts';
import { scanDecryptHook } from '../vault/scan-hook.ts';
import { formatReport, runPanScan, type ScanOptions, type ScanReport } from '../platform/card-numbers/scan.ts';
import { scanAndRecord } from './service.ts';

const USAGE = `usage: omamori scan-pan [--json FILE] [--no-db] [PATH...]

Scans for card numbers (Luhn-valid, brand-prefixed 13-19 digit runs, any separators, full-width too):
the database (every text/json column), the log files (LOG_FILE, DATA_DIR/logs), the whole DATA_DIR
(except pgdata/, the embedded database, which the database scan covers) and every PATH given.
Finds are printed as location + masked number (first 6 / last 4), never in full.

  --json FILE   also write the report as JSON to FILE ("-" for stdout; the summary then goes to stderr)
  --no-db       do not scan the database (e.g. while the store runs on the embedded database)

exit status: 0 clean, 1 card-number-like data found (or the scan was incomplete), 2 usage error`;

export function parseScanArgs(args: string[]): { json?: string; db: boolean; paths: string[] } | { error: string } {
  const out: { json?: string; db: boolean; paths: string[] } = { db: true, paths: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--no-db') out.db = false;
    else if (a === '--json') {
      const v = args[++i];
      if (!v) return { error: '--json needs a file name' };
      out.json = v;
    } else if (a.startsWith('--json=')) {
      out.json = a.slice('--json='.length);
      if (!out.json) return { error: '--json needs a file name' };
    } else if (a === '--') out.paths.push(...args.slice(i + 1)), (i = args.length);
    else if (a.startsWith('-') && a !== '-') return { error: `unknown option ${a}` };
    else out.paths.push(a);
  }
  for (const p of out.paths) if (!existsSync(p)) return { error: `no such file or folder: ${p}` };
  return out;
}

export const scanPanCommand = {
  summary: 'scan the database, logs, DATA_DIR and PATHs for card numbers (exit 1 on a find)',
  async run(args: string[]): Promise<number> {
    if (args.includes('--help') || args.includes('-h')) {
      console.log(USAGE);
      return 0;
    }
    const parsed = parseScanArgs(args);
    if ('error' in parsed) {
      console.error(`omamori scan-pan: ${parsed.error}\n\n${USAGE}`);
      return 2;
    }
    const config = loadConfig();
    const scan: ScanOptions = { dataDir: config.dataDir, logFile: process.env.LOG_FILE || undefined, paths: parsed.paths };
    let report: ScanReport;
    if (parsed.db) {
      const handle = await openDatabase(config);
      try {
        await migrate(handle);
        // Issue 5: encrypted fields are decrypted in memory and scanned, so the master key is needed (a wrong one stops here).
        const vault = await openVault(config, handle);
        try {
          // the run is recorded in pan_scan_run like the scheduled ones (evidence of scanning)
          report = (await scanAndRecord(handle.db, 'cli', { ...scan, db: { db: handle.db, kind: handle.kind }, decrypt: scanDecryptHook(vault) }, { alert: false })).report;
        } finally {
          await vault.close();
        }
      } finally {
        await handle.close();
      }
    } else report = await runPanScan(scan);
    const summary = formatReport(report);
    if (parsed.json === '-') {
      console.error(summary);
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(summary);
      if (parsed.json) writeFileSync(parsed.json, JSON.stringify(report, null, 2) + '\n');
    }
    return report.clean ? 0 : 1;
  },
};
