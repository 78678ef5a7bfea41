import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import { normalizeSearch, shortGrams, trigramCount } from './search-normalize.ts';

interface SourceRow {
  id: number;
  name_ja: string;
  name_en: string;
  description_ja: string;
  description_en: string;
  category_ja: string | null;
  category_en: string | null;
  variants: Array<[string, string, string, string | null]>;
}

/**
 * The normalised search fields of one product. search_text is space-separated fields in a fixed
 * order: name (ja), name (en), category (ja), category (en), then variant names, SKUs and JAN codes;
 * search ranks "starts one of the first four" above "somewhere in the text".
 */
export function searchDocument(r: Omit<SourceRow, 'id'>): { text: string; desc: string; grams: string[] } {
  const head = [r.name_ja, r.name_en, r.category_ja ?? '', r.category_en ?? ''].map((f) => normalizeSearch(f) || '~');
  const tail = r.variants.flatMap(([sku, ja, en, jan]) => [ja, en, sku, jan ?? '']).map(normalizeSearch).filter(Boolean);
  const fields = [...head, ...new Set(tail)];
  const desc = [normalizeSearch(r.description_ja), normalizeSearch(r.description_en)].filter(Boolean);
  return { text: fields.join(' '), desc: desc.join(' '), grams: shortGrams([...fields.filter((f) => f !== '~'), ...desc]) };
}

/**
 * Recomputes the search fields of stale products (search_text null: new, or marked by the triggers
 * of migration 0056), `batch` at a time, until none is left. Rows are locked while computed so a
 * change committed meanwhile marks its product stale again instead of being overwritten.
 * Returns how many products were indexed.
 */
export async function refreshSearchIndex(db: Db, batch = 500, opts: { waitForOthers?: boolean } = {}): Promise<number> {
  let total = 0;
  for (;;) {
    const n = db.isTransaction ? await refreshBatch(db, batch, opts.waitForOthers) : await db.transaction().execute((trx) => refreshBatch(trx, batch, opts.waitForOthers));
    total += n;
    if (n < batch) return total;
  }
}

async function refreshBatch(trx: Db, batch: number, waitForOthers = false): Promise<number> {
  const { rows } = await sql<SourceRow>`
    select p.id, p.name_ja, p.name_en, p.description_ja, p.description_en, c.name_ja as category_ja, c.name_en as category_en,
      coalesce((select json_agg(json_build_array(v.sku, v.name_ja, v.name_en, v.jan_code) order by v.position, v.id) from variant v where v.product_id = p.id), '[]') as variants
    from product p left join category c on c.id = p.category_id
    where p.search_text is null
    order by p.id
    limit ${batch}
    for update of p ${waitForOthers ? sql`` : sql`skip locked`}`.execute(trx);
  if (!rows.length) return 0;
  const docs = rows.map((r) => {
    const d = searchDocument({ ...r, variants: typeof r.variants === 'string' ? JSON.parse(r.variants) : r.variants });
    // Grams never hold a space (normalisation removes them), so one string per row carries the array.
    return { id: r.id, t: d.text, d: d.desc, g: d.grams.join(' '), n: trigramCount(d.text) };
  });
  await sql`
    update product p set search_text = x.t, search_desc = x.d, search_grams = string_to_array(x.g, ' '), search_trgm_n = x.n
    from jsonb_to_recordset(${JSON.stringify(docs)}::jsonb) as x(id int, t text, d text, g text, n int)
    where p.id = x.id`.execute(trx);
  return rows.length;
}

/**
 * Fills search_trgm_n (migration 0126) for products indexed before it existed, `batch` at a time:
 * part of the start step, so searches never wait for it (ranking uses similarity() meanwhile).
 * Returns how many products were filled.
 */
export async function fillTrigramCounts(db: Db, batch = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ id: number; search_text: string }>`
        select id, search_text from product where search_trgm_n is null and search_text is not null
        order by id limit ${batch} for update skip locked`.execute(trx);
      if (!rows.length) return 0;
      const counts = rows.map((r) => ({ id: r.id, n: trigramCount(r.search_text) }));
      await sql`
        update product p set search_trgm_n = x.n
        from jsonb_to_recordset(${JSON.stringify(counts)}::jsonb) as x(id int, n int)
        where p.id = x.id`.execute(trx);
      return rows.length;
    });
    total += n;
    if (n < batch) return total;
  }
}
