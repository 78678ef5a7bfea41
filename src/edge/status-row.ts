import { sql, type Kysely } from 'kysely';

/**
 * The one row of `edge_status` (migration 0090). Read and written with `sql` here rather than through the Kysely
 * `Database` type, so the platform's schema type does not import this domain (test/layering.test.ts).
 */
export interface EdgeStatusRow {
  last_edge_at: Date | null;
  waf_log_path: string | null;
  waf_log_inode: string | null;
  waf_log_offset: number;
  waf_log_read_at: Date | null;
  waf_log_error: string | null;
}

// Any Kysely instance: the row is addressed only through `sql`.
type AnyDb = Kysely<any>;

export async function readEdgeStatus(db: AnyDb): Promise<EdgeStatusRow | null> {
  const { rows } = await sql<EdgeStatusRow>`select last_edge_at, waf_log_path, waf_log_inode, waf_log_offset, waf_log_read_at, waf_log_error from edge_status where id = 1`.execute(db);
  const row = rows[0];
  if (!row) return null;
  return {
    ...row,
    last_edge_at: row.last_edge_at ? new Date(row.last_edge_at) : null,
    waf_log_read_at: row.waf_log_read_at ? new Date(row.waf_log_read_at) : null,
    waf_log_offset: Number(row.waf_log_offset),
  };
}

/** The heartbeat only moves forward (instances write it independently). */
export async function writeEdgeSeen(db: AnyDb, at: Date): Promise<void> {
  await sql`update edge_status set last_edge_at = ${at} where id = 1 and (last_edge_at is null or last_edge_at < ${at})`.execute(db);
}

export async function writeWafLogState(db: AnyDb, state: { path: string; inode?: string; offset?: number; readAt: Date; error: string | null }): Promise<void> {
  if (state.inode === undefined || state.offset === undefined) {
    await sql`update edge_status set waf_log_path = ${state.path}, waf_log_read_at = ${state.readAt}, waf_log_error = ${state.error} where id = 1`.execute(db);
    return;
  }
  await sql`update edge_status set waf_log_path = ${state.path}, waf_log_inode = ${state.inode}, waf_log_offset = ${state.offset}, waf_log_read_at = ${state.readAt}, waf_log_error = ${state.error} where id = 1`.execute(db);
}
