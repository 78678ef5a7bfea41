import type { ColumnType, Generated } from 'kysely';

export const exportKinds = ['customers', 'orders'] as const;
export type ExportKind = (typeof exportKinds)[number];
/** Files the incident console hands out through the same guard (issue 13): recorded, audited, owners mailed. */
export const incidentExportKinds = ['incident_evidence', 'incident_letters', 'incident_report'] as const;
/** Shipping-label CSVs for the carriers (issue 16): same guard, own kind; they do not count toward the daily export cap. */
export const labelExportKind = 'shipping_labels' as const;
export type StoredExportKind = ExportKind | (typeof incidentExportKinds)[number] | typeof labelExportKind;
export type ExportStatus = 'exported' | 'pending' | 'approved' | 'denied' | 'downloaded';

/** The filter of an export as stored and audited: dates and codes only, never a personal data value. */
export interface ExportFilter {
  from?: string;
  to?: string;
  status?: string;
}

export interface ExportTables {
  data_export: {
    id: Generated<number>;
    kind: StoredExportKind;
    filter: ColumnType<ExportFilter, string, string>;
    requested_by: number;
    requested_at: ColumnType<Date, Date | undefined, never>;
    row_count: number;
    status: ExportStatus;
    over_caps: ColumnType<string, string | undefined, string>;
    decided_by: number | null;
    decided_at: Date | null;
    download_until: Date | null;
    exported_at: Date | null;
    exported_rows: number | null;
  };
}
