import type { ColumnType, Generated } from 'kysely';

export type AlertSeverity = 'critical' | 'high' | 'medium' | 'low';

export interface AlertTables {
  alert: {
    id: Generated<number>;
    kind: string;
    severity: AlertSeverity;
    title: string;
    detail: ColumnType<Record<string, unknown>, string | undefined, string>;
    fingerprint: string;
    occurrences: Generated<number>;
    created_at: ColumnType<Date, Date | undefined, never>;
    last_seen_at: ColumnType<Date, Date | undefined, Date>;
    acknowledged_at: Date | null;
    acknowledged_by: number | null;
    acknowledgement_note: string | null;
    last_notified_at: ColumnType<Date, Date | undefined, Date>;
    notifications: Generated<number>;
    resolved_at: Date | null;
    resolved_by: number | null;
    resolution_note: string | null;
  };
}
