import type { ColumnType, Generated } from 'kysely';

export interface CatalogCsvTables {
  catalog_import: {
    id: Generated<number>;
    staff_id: number;
    file_name: string;
    encoding: 'utf-8' | 'utf-8-bom' | 'cp932';
    content: string;
    created_at: ColumnType<Date, Date | undefined, Date>;
    applied_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  };
}
