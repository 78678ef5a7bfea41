import type { ColumnType } from 'kysely';

export type AuditActorType = 'staff' | 'customer' | 'system' | 'anonymous';
export type AuditResult = 'success' | 'denied' | 'failed';

/** int8 columns: a number from `pg` (type parser), a string or bigint elsewhere; read through Number(). */
type Int8 = ColumnType<number, number, never>;

export interface AuditTables {
  audit_entry: {
    seq: Int8;
    at: ColumnType<Date, Date, never>;
    actor_type: ColumnType<AuditActorType, AuditActorType, never>;
    actor_id: ColumnType<number | null, number | null, never>;
    actor_role: ColumnType<string | null, string | null, never>;
    action: ColumnType<string, string, never>;
    object_type: ColumnType<string | null, string | null, never>;
    object_id: ColumnType<string | null, string | null, never>;
    result: ColumnType<AuditResult, AuditResult, never>;
    ip: ColumnType<string | null, string | null, never>;
    user_agent: ColumnType<string | null, string | null, never>;
    detail: ColumnType<string, string, never>;
    prev_hash: ColumnType<string, string, never>;
    hash: ColumnType<string, string, never>;
  };
  audit_checkpoint: {
    id: ColumnType<number, never, never>;
    seq: Int8;
    hash: ColumnType<string, string, never>;
    at: ColumnType<Date, Date, never>;
    key_id: ColumnType<string, string, never>;
    signature: ColumnType<string, string, never>;
  };
}
