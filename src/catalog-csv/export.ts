import type { Db } from '../platform/db/database.ts';
import { csvLine, type CsvValue } from '../exports/csv.ts';
import { columns } from './columns.ts';

/**
 * Every product, one row per SKU (a product without variants gets one row without a SKU), in the column order
 * of columns.ts. T3: cells are written by csvCell, which neutralises anything a spreadsheet would run as a
 * formula (= + - @ and their full-width forms get a leading apostrophe).
 */
export async function exportProductsCsv(db: Db): Promise<string> {
  const rows = await db
    .selectFrom('product as p')
    .leftJoin('category as c', 'c.id', 'p.category_id')
    .leftJoin('variant as v', 'v.product_id', 'p.id')
    .select([
      'p.slug', 'p.name_ja', 'p.name_en', 'c.slug as category', 'p.tax_class', 'p.published', 'p.shipping_size', 'p.description_ja', 'p.description_en',
      'v.sku', 'v.name_ja as variant_ja', 'v.name_en as variant_en', 'v.price', 'v.stock', 'v.jan_code',
    ])
    .orderBy('p.position').orderBy('p.id').orderBy('v.position').orderBy('v.id')
    .execute();
  const lines = rows.map((r): CsvValue[] => [
    r.slug, r.name_ja, r.name_en, r.category, r.tax_class === 'reduced' ? 8 : 10, r.published ? 1 : 0, r.shipping_size, r.description_ja, r.description_en,
    r.sku, r.variant_ja, r.variant_en, r.price, r.stock, r.jan_code,
  ]);
  return `${[csvLine(columns.map((c) => c.ja)), ...lines.map(csvLine)].join('\r\n')}\r\n`;
}
