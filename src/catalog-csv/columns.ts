/**
 * The product CSV: one row per SKU (a product without variants has one row with an empty SKU). The
 * header names are what the operator sees in the spreadsheet; import finds columns by these names.
 */
export const columns = [
  { key: 'slug', ja: '商品コード' },
  { key: 'name_ja', ja: '商品名' },
  { key: 'name_en', ja: '商品名（英語）' },
  { key: 'category', ja: 'カテゴリ' },
  { key: 'tax_rate', ja: '税率' },
  { key: 'published', ja: '公開' },
  { key: 'shipping_size', ja: '配送サイズ' },
  { key: 'description_ja', ja: '説明' },
  { key: 'description_en', ja: '説明（英語）' },
  { key: 'sku', ja: 'SKU' },
  { key: 'variant_ja', ja: 'バリエーション名' },
  { key: 'variant_en', ja: 'バリエーション名（英語）' },
  { key: 'price', ja: '価格（税込）' },
  { key: 'stock', ja: '在庫' },
  { key: 'jan_code', ja: 'JANコード' },
] as const;

export type ColumnKey = (typeof columns)[number]['key'];
export type CsvRow = Record<ColumnKey, string>;

/** Columns an import cannot do without. */
export const requiredColumns: readonly ColumnKey[] = ['slug', 'name_ja', 'sku', 'variant_ja', 'price'];

export const maxImportRows = 5_000;
export const maxImportBytes = 2 * 1024 * 1024;
