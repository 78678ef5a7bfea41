import { existsSync, realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { Db, DbKind } from '../db/database.ts';
import { emptyDbStats, scanDatabase, type DbScanStats, type DecryptHook } from './database-scan.ts';
import { emptyFileStats, scanPath, type FileFind, type FileScanStats } from './files.ts';
import { redactText } from './pan-scanner.ts';

/**
 * One card-number scan (T2/T5, PCI DSS 12.10.7): the database, the log files, the data folder and any
 * extra paths. The report holds counts and masked numbers only; it is safe to print, store and mail.
 */

export interface ScanOptions {
  db?: { db: Db; kind: DbKind } | null;
  /** DATA_DIR: scanned whole, except `pgdata/` (the embedded database, covered by the database scan). */
  dataDir?: string;
  /** LOG_FILE, when the store's output is written to a file. */
  logFile?: string;
  paths?: string[];
  decrypt?: DecryptHook;
  /** Between database batches (lets the scheduled scan yield to requests). */
  onBatch?: () => Promise<void> | void;
}

export interface ScanFind {
  where: 'database' | 'file';
  /** `customer_address.line2 [id=3]` or `uploads/x.txt:12 (byte 345)`, any card-like number in it masked. */
  location: string;
  brand: string;
  masked: string;
  table?: string;
  column?: string;
  key?: string;
  path?: string;
  line?: number;
  offset: number;
}

export interface ScanTarget {
  kind: 'logs' | 'data_dir' | 'path';
  path: string;
  files: number;
  bytes: number;
  note?: string;
}

export interface ScanReport {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Nothing found and everything could be read. */
  clean: boolean;
  complete: boolean;
  database: (Omit<DbScanStats, 'finds'> & { kind: DbKind }) | null;
  targets: ScanTarget[];
  files: Omit<FileScanStats, 'finds'>;
  finds: ScanFind[];
  bytesScanned: number;
  mbPerSecond: number;
}

export const PGDATA_REASON = 'embedded database files: covered by the database scan';

export async function runPanScan(opts: ScanOptions): Promise<ScanReport> {
  const started = new Date();
  const t0 = performance.now();
  const dbStats = emptyDbStats();
  if (opts.db) await scanDatabase(opts.db.db, dbStats, { decrypt: opts.decrypt, onBatch: opts.onBatch });

  const fileStats = emptyFileStats();
  const seen = new Set<string>();
  const targets: ScanTarget[] = [];
  const exclude = new Map<string, string>();
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : undefined;
  if (dataDir && existsSync(join(dataDir, 'pgdata'))) exclude.set(realpathSync(join(dataDir, 'pgdata')), PGDATA_REASON);

  const scanTarget = async (kind: ScanTarget['kind'], path: string, useExclude = true) => {
    const before = { files: fileStats.files, bytes: fileStats.bytes };
    await scanPath(path, fileStats, { seen, exclude: useExclude ? exclude : undefined, displayBase: dataDir });
    targets.push({ kind, path: redactText(path), files: fileStats.files - before.files, bytes: fileStats.bytes - before.bytes });
  };

  // (b) logs: LOG_FILE and DATA_DIR/logs. The store logs to stdout by default; then there is nothing here.
  if (opts.logFile) {
    if (existsSync(opts.logFile)) await scanTarget('logs', resolve(opts.logFile));
    else targets.push({ kind: 'logs', path: redactText(opts.logFile), files: 0, bytes: 0, note: 'LOG_FILE does not exist' });
  }
  if (dataDir && existsSync(join(dataDir, 'logs'))) await scanTarget('logs', join(dataDir, 'logs'));
  // (c) the whole data folder: uploads, outbox, backups, exports.
  if (dataDir) {
    if (existsSync(dataDir)) await scanTarget('data_dir', dataDir);
    else targets.push({ kind: 'data_dir', path: redactText(dataDir), files: 0, bytes: 0, note: 'does not exist' });
  }
  // (d) paths named by the operator: always scanned whole (naming pgdata scans the database files as bytes).
  for (const p of opts.paths ?? []) {
    const abs = resolve(p);
    const real = existsSync(abs) ? realpathSync(abs) : abs;
    const insideExcluded = [...exclude.keys()].some((x) => real === x || real.startsWith(x + sep));
    await scanTarget('path', abs, !insideExcluded);
  }

  const finds: ScanFind[] = [
    ...dbStats.finds.map((f) => ({
      where: 'database' as const,
      location: `${f.table}.${f.column} [${f.key}]`,
      brand: f.brand,
      masked: f.masked,
      table: f.table,
      column: f.column,
      key: f.key,
      offset: f.offset,
    })),
    ...fileStats.finds.map((f: FileFind) => ({
      where: 'file' as const,
      location: `${f.path}:${f.line} (byte ${f.offset}${f.decompressed ? ', decompressed' : ''})`,
      brand: f.brand,
      masked: f.masked,
      path: f.path,
      line: f.line,
      offset: f.offset,
    })),
  ];
  const durationMs = performance.now() - t0;
  const bytesScanned = dbStats.bytes + fileStats.bytes;
  const complete = dbStats.errors.length === 0 && fileStats.errors.length === 0;
  const { finds: _d, ...dbRest } = dbStats;
  const { finds: _f, ...fileRest } = fileStats;
  return {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(durationMs),
    clean: finds.length === 0 && complete,
    complete,
    database: opts.db ? { kind: opts.db.kind, ...dbRest } : null,
    targets,
    files: fileRest,
    finds,
    bytesScanned,
    mbPerSecond: durationMs > 0 ? Math.round((bytesScanned / 1e6 / (durationMs / 1000)) * 10) / 10 : 0,
  };
}

/** One line per find, for reports, alerts and mail: location and masked number only. */
export function maskedLocations(report: ScanReport): string[] {
  return report.finds.map((f) => `${f.where === 'database' ? 'db' : 'file'} ${f.location} ${f.masked} (${f.brand})`);
}

const mb = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} bytes`);

/** The human summary printed by `omamori scan-pan`. */
export function formatReport(r: ScanReport): string {
  const out: string[] = ['omamori card-number scan (PCI DSS 12.10.7)', ''];
  if (r.database) {
    const d = r.database;
    out.push(`database (${d.kind}): ${d.tables} tables, ${d.columns} text/json/number columns, ${d.rows} rows, ${d.values} values, ${mb(d.bytes)}`);
    for (const e of d.errors) out.push(`  could not scan table ${e.table}: ${e.error}`);
  } else out.push('database: not scanned (--no-db)');
  if (!r.targets.some((t) => t.kind === 'logs')) out.push('logs: no log files (the store logs to stdout; set LOG_FILE or write to DATA_DIR/logs to have them scanned)');
  for (const t of r.targets) {
    const label = t.kind === 'logs' ? 'logs' : t.kind === 'data_dir' ? 'data folder' : 'path';
    out.push(`${label}: ${t.path}: ${t.note ?? `${t.files} files, ${mb(t.bytes)}`}`);
  }
  for (const s of r.files.skipped) out.push(`  skipped ${s.path}: ${s.reason}`);
  if (r.files.opaque.length) out.push(`  ${r.files.opaque.length} compressed/encrypted container(s) scanned as raw bytes only: ${r.files.opaque.slice(0, 5).join(', ')}${r.files.opaque.length > 5 ? ', …' : ''}`);
  for (const e of r.files.errors) out.push(`  could not read ${e.path}: ${e.error}`);
  out.push(`scanned ${mb(r.bytesScanned)} in ${(r.durationMs / 1000).toFixed(2)} s (${r.mbPerSecond} MB/s)`, '');
  if (r.finds.length) {
    out.push(`FOUND ${r.finds.length} card-number-like value(s) (masked):`);
    for (const line of maskedLocations(r)) out.push(`  ${line}`);
    out.push('', 'Remove them (and any copies in backups), find how they got there, and rotate access if needed.');
  } else if (!r.complete) out.push('No card-number-like data found, but the scan was INCOMPLETE (see above): not a proof of absence.');
  else out.push('clean: no card-number-like data found');
  return out.join('\n');
}
