import type { ColumnType } from 'kysely';

export interface ShopTables {
  shop_setting: {
    key: string;
    value: ColumnType<unknown, string, string>;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
}
