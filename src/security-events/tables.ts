import type { ColumnType, Generated } from 'kysely';
import type { DetailValue, SecurityOutcome, SecuritySeverity } from '../platform/security/event-stream.ts';

export interface SecurityEventTables {
  security_event: {
    id: Generated<number>;
    at: ColumnType<Date, Date | undefined, never>;
    kind: string;
    severity: SecuritySeverity;
    outcome: SecurityOutcome;
    ip: string | null;
    network: string | null;
    actor_kind: 'customer' | 'staff' | null;
    actor_id: number | null;
    subject: string | null;
    request_id: string | null;
    detail: ColumnType<Record<string, DetailValue>, string | undefined, string>;
  };
}
