import type { ColumnType, Generated } from 'kysely';

export type PanScanTrigger = 'schedule' | 'manual' | 'cli';
export type PanScanStatus = 'running' | 'clean' | 'found' | 'failed';

export interface DetectionTables {
  pan_scan_run: {
    id: Generated<number>;
    trigger: PanScanTrigger;
    status: Generated<PanScanStatus>;
    started_at: ColumnType<Date, Date | undefined, never>;
    finished_at: Date | null;
    tables_scanned: Generated<number>;
    columns_scanned: Generated<number>;
    rows_scanned: Generated<number>;
    files_scanned: Generated<number>;
    bytes_scanned: Generated<number>;
    finds: Generated<number>;
    /** Masked locations only. */
    locations: ColumnType<string[], string | undefined, string>;
    error: string | null;
  };
}
