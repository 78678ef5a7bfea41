import type { ColumnType, Generated } from 'kysely';

export type FindingKind = 'modified' | 'added' | 'removed' | 'bad_signature' | 'manifest_missing';

export interface IntegrityTables {
  integrity_finding: {
    id: Generated<number>;
    kind: FindingKind;
    path: string;
    expected_sha256: string | null;
    observed_sha256: string | null;
    instance: string;
    first_seen_at: ColumnType<Date, Date | undefined, never>;
    last_seen_at: ColumnType<Date, Date | undefined, Date>;
    acknowledged_at: Date | null;
    acknowledged_by: number | null;
    acknowledgement_note: string | null;
  };
  csp_report: {
    id: Generated<number>;
    document_path: string;
    directive: string;
    blocked: string;
    source_file: string | null;
    disposition: string;
    payment_page: boolean;
    count: Generated<number>;
    first_seen_at: ColumnType<Date, Date | undefined, never>;
    last_seen_at: ColumnType<Date, Date | undefined, Date>;
  };
}
