import type { ColumnType } from 'kysely';

export interface EdgeTables {
  edge_status: {
    id: ColumnType<number, number | undefined, never>;
    last_edge_at: Date | null;
    waf_log_path: string | null;
    waf_log_inode: string | null;
    waf_log_offset: ColumnType<number, number | undefined, number>;
    waf_log_read_at: Date | null;
    waf_log_error: string | null;
  };
}
