import type { ColumnType } from 'kysely';

export interface WatchdogTables {
  heartbeat: {
    name: string;
    every_ms: ColumnType<string | number, number, number>;
    last_ok_at: Date | null;
    last_run_at: ColumnType<Date, Date | undefined, Date>;
    last_error: string | null;
    instance: ColumnType<string, string | undefined, string>;
  };
}
