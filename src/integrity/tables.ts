import type { ColumnType, Generated } from 'kysely';

export type FindingKind = 'modified' | 'added' | 'removed' | 'bad_signature' | 'manifest_missing' | 'page_changed' | 'csp_violation' | 'malware';

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
  page_baseline: {
    id: Generated<number>;
    digest: string;
    snapshot: string;
    source: 'start' | 'approved';
    approved_by: number | null;
    instance: string;
    created_at: ColumnType<Date, Date | undefined, never>;
  };
  script_inventory: {
    id: Generated<number>;
    url: string;
    sha384: string;
    pages: string;
    owner: string;
    justification: string;
    added_by: number | null;
    added_at: ColumnType<Date, Date | undefined, never>;
    approved_by: number | null;
    approved_at: Date | null;
    removed_at: Date | null;
  };
}
