import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import { AppError } from '../platform/http/errors.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { encodeCursor, type Cursor } from './cursor.ts';
import { imageUrl } from './images.ts';
import { t } from './messages.ts';
import type { SearchDb } from './search-db.ts';
import { refreshSearchIndex } from './search-index.ts';
import { searchTerms, trigramProbes } from './search-normalize.ts';
import type { ProductSummary } from './service.ts';
import { stockState } from './stock-state.ts';

/** Counting stops here: past it a page says "1,000件以上", so a broad query never counts the whole catalog. */
export const countBound = 1000;
/** Search results are ranked and paged within the best `countBound`; offset pages of plain listings stop here too. */
export const maxDepth = countBound;

export interface ListPage {
  items: ProductSummary[];
  /** Exact up to countBound; totalCapped says "at least". */
  total: number;
  totalCapped: boolean;
  page: number;
  pages: number;
  /** Keyset links of plain listings (null on search pages and at the ends). */
  next: string | null;
  prev: string | null;
}

const productsOf = (db: Db) => db.selectFrom('product as p');
type ProductQuery = ReturnType<typeof productsOf>;

/** What a shopper may see in listings: published, listed, and with a variant to sell. */
function visible(db: Db, categorySlug: string | undefined): ProductQuery {
  let q = productsOf(db)
    .where('p.published', '=', true)
    .where('p.listed', '=', true)
    .where((eb) => eb.exists(eb.selectFrom('variant').select('variant.id').whereRef('variant.product_id', '=', 'p.id')));
  if (categorySlug) q = q.where('p.category_id', '=', (eb) => eb.selectFrom('category').select('category.id').where('category.slug', '=', categorySlug));
  return q;
}

async function boundedCount(db: Db, q: ProductQuery): Promise<{ total: number; totalCapped: boolean }> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from (${q.select('p.id').limit(countBound + 1)}) as bounded`.execute(db);
  const n = Number(rows[0]?.n ?? 0);
  return { total: Math.min(n, countBound), totalCapped: n > countBound };
}

function withSummary(q: ProductQuery) {
  return q
    .leftJoin('category as c', 'c.id', 'p.category_id')
    .select([
      'p.id',
      'p.slug',
      'p.name_ja',
      'p.name_en',
      'p.tax_class',
      'p.position',
      'c.slug as category_slug',
      (eb) => eb.selectFrom('variant').select(sql<number>`min(price)`.as('m')).whereRef('variant.product_id', '=', 'p.id').as('price_from'),
      (eb) => eb.selectFrom('variant').select(sql<number>`max(price)`.as('m')).whereRef('variant.product_id', '=', 'p.id').as('price_to'),
      (eb) => eb.selectFrom('variant').select(sql<number>`max(stock)`.as('m')).whereRef('variant.product_id', '=', 'p.id').as('best_stock'),
      (eb) => eb.selectFrom('product_image').select('file_name').whereRef('product_image.product_id', '=', 'p.id').orderBy('position').orderBy('id').limit(1).as('image'),
    ]);
}

type SummaryRow = { id: number; slug: string; name_ja: string; name_en: string; tax_class: ProductSummary['taxClass']; category_slug: string | null; price_from: number | null; price_to: number | null; best_stock: number | null; image: string | null };

function toSummary(locale: Locale, r: SummaryRow): ProductSummary {
  return {
    id: r.id,
    slug: r.slug,
    name: locale === 'en' ? r.name_en : r.name_ja,
    priceFrom: Number(r.price_from ?? 0),
    priceTo: Number(r.price_to ?? 0),
    taxClass: r.tax_class,
    // A product is as available as its best variant.
    stockState: stockState(Number(r.best_stock ?? 0)),
    imageUrl: imageUrl(r.image, r.category_slug),
  };
}

/**
 * A page of the catalog in shop order (position, id). With a cursor it is a keyset page (an index
 * range, the same cost at any depth); without one, `page` counts from the start but only down to
 * maxDepth products: deeper offset pages are refused with a message (use 次へ).
 */
export async function loadListing(
  db: Db,
  q: { locale: Locale; categorySlug?: string | undefined; perPage: number; page?: number | undefined; cursor?: Cursor | undefined },
  /** The bounded count is the same for every page of a list: the caller may cache it apart. */
  count: (load: () => Promise<{ total: number; totalCapped: boolean }>) => Promise<{ total: number; totalCapped: boolean }> = (load) => load(),
): Promise<ListPage> {
  const perPage = Math.min(Math.max(1, Math.trunc(q.perPage)), 100);
  const page = Math.max(1, Math.trunc(q.page ?? 1) || 1);
  if (!q.cursor && (page - 1) * perPage >= maxDepth) throw tooDeep(q.locale);
  const base = visible(db, q.categorySlug);
  const c = q.cursor;
  let rowsQ = withSummary(base);
  if (c?.dir === 'after') rowsQ = rowsQ.where(sql<boolean>`(p.position, p.id) > (${c.position}, ${c.id})`);
  if (c?.dir === 'before') rowsQ = rowsQ.where(sql<boolean>`(p.position, p.id) < (${c.position}, ${c.id})`);
  const backwards = c?.dir === 'before';
  rowsQ = rowsQ.orderBy('p.position', backwards ? 'desc' : 'asc').orderBy('p.id', backwards ? 'desc' : 'asc').limit(perPage + 1);
  if (!c && page > 1) rowsQ = rowsQ.offset((page - 1) * perPage);
  const [counted, fetched] = await Promise.all([count(() => boundedCount(db, base)), rowsQ.execute()]);
  const more = fetched.length > perPage;
  const rows = fetched.slice(0, perPage);
  if (backwards) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  const hasNext = backwards ? Boolean(c) : more;
  const hasPrev = backwards ? more : Boolean(c) || page > 1;
  return {
    items: rows.map((r) => toSummary(q.locale, r)),
    ...counted,
    page: c ? 0 : page,
    pages: Math.ceil(counted.total / perPage),
    next: hasNext && last ? encodeCursor({ dir: 'after', position: last.position, id: last.id }) : null,
    prev: hasPrev && first ? encodeCursor({ dir: 'before', position: first.position, id: first.id }) : null,
  };
}

function tooDeep(locale: Locale): AppError {
  return new AppError('validation', { message: t(locale, 'tooDeep', { n: maxDepth.toLocaleString('en') }), fields: { page: t(locale, 'tooDeep', { n: maxDepth.toLocaleString('en') }) } });
}

function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/**
 * Every term as one index lookup: the words of 3+ characters together on the trigram index over names
 * and descriptions, the 1- and 2-character ones together on the gram array.
 */
function termsMatch(terms: string[]) {
  const long = terms.filter((term) => [...term].length >= 3);
  const short = terms.filter((term) => [...term].length < 3);
  const parts = long.map((term) => sql<boolean>`(p.search_text || ' ' || p.search_desc) like ${likePattern(term)}`);
  if (short.length) parts.push(sql<boolean>`p.search_grams @> ${sql`array[${sql.join(short)}]::text[]`}`);
  return parts.reduce((x, y) => sql<boolean>`${x} and ${y}`);
}

/**
 * Ranked search within the best countBound matches: first products whose name or category is, or
 * starts with, the query (or whose SKU / JAN code is exactly it), then other name, variant, SKU or
 * category matches, then description-only matches; within a rank by trigram similarity, then shop order.
 * One statement, one round trip: the page's summaries, the bounded count and whether any product awaits
 * indexing (then it is indexed through `db`, the store's database, and the search runs again).
 */
export async function loadSearch(search: SearchDb, db: Db, q: { locale: Locale; keyword: string; categorySlug?: string | undefined; perPage: number; page?: number | undefined }): Promise<ListPage> {
  const perPage = Math.min(Math.max(1, Math.trunc(q.perPage)), 100);
  const page = Math.max(1, Math.trunc(q.page ?? 1) || 1);
  if ((page - 1) * perPage >= maxDepth) throw tooDeep(q.locale);
  const terms = searchTerms(q.keyword);
  const empty: ListPage = { items: [], total: 0, totalCapped: false, page, pages: 0, next: null, prev: null };
  if (!terms.length) return empty;
  const run = () => withSearchBudget(search, q.locale, (sdb) => rankedPage(sdb, terms, q.categorySlug, page, perPage));
  let found = await run();
  // Products written outside the catalog service (imports, fixtures) are indexed before they are searched.
  if (found.stale) {
    // Wait for rows another indexer holds (the start step right after boot): skipping them searched a half-built index.
    await refreshSearchIndex(db, 500, { waitForOthers: true });
    found = await run();
  }
  const counted = { total: Math.min(found.matches, countBound), totalCapped: found.matches > countBound };
  return { items: found.rows.map((r) => toSummary(q.locale, r)), ...counted, page, pages: Math.ceil(counted.total / perPage), next: null, prev: null };
}

async function rankedPage(db: Db, terms: string[], categorySlug: string | undefined, page: number, perPage: number): Promise<{ rows: SummaryRow[]; matches: number; stale: boolean }> {
  const base = visible(db, categorySlug).where(termsMatch(terms));
  const whole = terms.join('');
  const first = terms[0]!;
  const head = sql<boolean>`(${whole} = any(string_to_array(p.search_text, ' ')) or ${[1, 2, 3, 4].map((i) => sql`left(split_part(p.search_text, ' ', ${i}), ${[...first].length}) = ${first}`).reduce((a, b) => sql`${a} or ${b}`)})`;
  const inNames = terms.map((term) => sql<boolean>`p.search_text like ${likePattern(term)}`).reduce((a, b) => sql<boolean>`${a} and ${b}`);
  const rank = sql<number>`case when ${head} then 0 when ${inNames} then 1 else 2 end`;
  // pg_trgm's similarity(search_text, whole) = shared / (|text's trigrams| + |query's| - shared), with
  // the text's count stored and each of the query's trigrams looked up by strpos: a few µs a row,
  // where similarity() built the text's whole trigram set (70-110 µs a row; migration 0126).
  const probes = trigramProbes(whole);
  const shared = sql<number>`(select count(*) from unnest(${probes}::text[]) as t(probe) where strpos(' ' || p.search_text || ' ', t.probe) > 0)`;
  // A product indexed before migration 0126 has no count until the start step fills it: similarity() then.
  const similarity = sql<number>`case when s.search_trgm_n is null then similarity(s.search_text, ${whole}) else s.shared::real / (s.search_trgm_n + ${probes.length}::int - s.shared)::real end`;
  // The ranking reads at most countBound + 1 matches, so a broad word ("豆" in a catalog of coffee)
  // costs the same as a narrow one; past the bound the page says "1,000件以上" and asks to narrow.
  const candidates = base.select(['p.id', 'p.search_text', 'p.search_trgm_n', 'p.position']).limit(countBound + 1);
  // Always one row (the count and the stale flag), with the page's products when there are any.
  const { rows } = await sql<Partial<SummaryRow> & { matches: number; stale: boolean; ord: number | null }>`
    with p as (${candidates}),
    r as (
      select s.id, row_number() over (order by s.rank, ${similarity} desc, s.position, s.id) as ord
      from (select p.id, p.position, p.search_text, p.search_trgm_n, ${rank} as rank, ${shared} as shared from p offset 0) as s
    ),
    page_rows as (
      select r.ord, q.id, q.slug, q.name_ja, q.name_en, q.tax_class, c.slug as category_slug, s.price_from, s.price_to, s.best_stock,
        (select i.file_name from product_image i where i.product_id = q.id order by i.position, i.id limit 1) as image
      from r join product q on q.id = r.id left join category c on c.id = q.category_id
      cross join lateral (select min(v.price) as price_from, max(v.price) as price_to, max(v.stock) as best_stock from variant v where v.product_id = q.id) s
      where r.ord > ${(page - 1) * perPage} and r.ord <= ${Math.min(page * perPage, maxDepth)}
    )
    select (select count(*) from p)::int as matches, exists (select 1 from product where search_text is null) as stale, page_rows.*
    from (select 1) as one left join page_rows on true
    order by page_rows.ord`.execute(db);
  return {
    rows: rows.filter((r) => r.id != null) as SummaryRow[],
    matches: Number(rows[0]?.matches ?? 0),
    stale: Boolean(rows[0]?.stale),
  };
}

/**
 * Availability (issue 19): a search may not hold the database for long. On PostgreSQL its connections
 * carry statement_timeout (search-db.ts); PGlite has no timer, so there the terms are bounded (5 terms
 * of 50 characters, searchTerms). Running out of time is the shopper's "narrow it" message.
 */
export async function withSearchBudget<T>(search: SearchDb, locale: Locale, fn: (db: Db) => Promise<T>): Promise<T> {
  try {
    return await fn(search.db);
  } catch (err) {
    if ((err as { code?: string }).code === '57014') throw new AppError('validation', { message: t(locale, 'searchTooSlow'), fields: { q: t(locale, 'searchTooSlow') } });
    throw err;
  }
}
