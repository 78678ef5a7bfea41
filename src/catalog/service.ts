import type { AppContext } from '../platform/context.ts';
import type { Db } from '../platform/db/database.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { notify } from '../platform/db/database.ts';
import { CatalogCache } from './cache.ts';
import type { Cursor } from './cursor.ts';
import { loadListing, loadSearch, type ListPage } from './product-list.ts';
import { loadCategories, loadProduct } from './queries.ts';
import { openSearchDb, searchPoolSize } from './search-db.ts';
import { fillTrigramCounts, refreshSearchIndex } from './search-index.ts';
import { SearchLimiter, searchRateShared } from './search-limit.ts';
import { searchTerms } from './search-normalize.ts';
import { checkStock, releaseStock, reserveStock } from './stock.ts';
import type { TaxClass } from './tables.ts';
import { variantsForSale } from './variants.ts';

export type StockState = 'in_stock' | 'low' | 'sold_out';

export interface ProductSummary {
  id: number;
  slug: string;
  name: string;
  priceFrom: number;
  priceTo: number;
  taxClass: TaxClass;
  stockState: StockState;
  imageUrl: string;
}

export interface ProductDetail extends ProductSummary {
  description: string;
  category: { slug: string; name: string } | null;
  variants: Array<{ id: number; sku: string; name: string; price: number; stock: number; stockState: StockState }>;
  images: Array<{ url: string; alt: string }>;
}

/** What cart and checkout need to know about a variant, in the shopper's language. */
export interface VariantForSale {
  variantId: number;
  productId: number;
  productSlug: string;
  productName: string;
  variantName: string;
  sku: string;
  price: number;
  taxClass: TaxClass;
  stock: number;
  published: boolean;
  /** parcel size (三辺合計 cm) of the product, for the shipping rate */
  shippingSize: number;
}

export interface StockLine {
  variantId: number;
  quantity: number;
}

export interface ProductListQuery {
  locale: Locale;
  categorySlug?: string;
  keyword?: string;
  /** Offset pages: search results and the first pages of a listing (both bounded, see product-list.ts). */
  page?: number;
  /** Keyset pages of a listing (ignored with a keyword). */
  cursor?: Cursor;
  perPage: number;
}

export interface CatalogService {
  categories(locale: Locale): Promise<Array<{ slug: string; name: string }>>;
  listProducts(query: ProductListQuery): Promise<ListPage>;
  /** Per-network search rate (check before a search, cached or not). */
  searchLimiter: SearchLimiter;
  product(slug: string, locale: Locale): Promise<ProductDetail | null>;
  /** Reads through `trx` when given, so it can run inside the caller's transaction. Always fresh. */
  variantsForSale(variantIds: number[], locale: Locale, trx?: Db): Promise<Map<number, VariantForSale>>;
  /**
   * One variant from the cache (dropped on every catalog or stock change, on every instance), for the
   * add-to-cart pre-check. Never the last word on stock: placing an order reserves it atomically.
   */
  variantForCart(variantId: number, locale: Locale): Promise<VariantForSale | undefined>;
  /** Takes stock atomically inside the caller's transaction; throws AppError('sold_out') if any line cannot be met. */
  reserveStock(trx: Db, lines: StockLine[], opts?: { lockTimeoutMs?: number }): Promise<void>;
  /** Throws AppError('sold_out') when a line's stock is already short (a plain read, no lock; reserveStock decides). */
  checkStock(db: Db, lines: StockLine[]): Promise<void>;
  /** Gives stock back (order cancelled). */
  releaseStock(trx: Db, lines: StockLine[]): Promise<void>;
  /**
   * Runs a catalog change in a transaction that tells every app instance to drop its cache
   * (NOTIFY at commit), and drops this instance's cache as soon as it commits.
   */
  write<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
  /** Closes the search connections (PostgreSQL); idempotent. */
  close(): Promise<void>;
}

export const catalogChannel = 'catalog_changed';
const cacheEntries = 500;
const cacheTtlMs = 60_000;

/**
 * The catalog with an in-memory cache of published reads. Every catalog change (admin edits, stock
 * taken or given back) sends NOTIFY catalog_changed, which every instance, the sender included,
 * receives at commit and answers by dropping its cache.
 */
export function createCatalog(ctx: AppContext): CatalogService {
  // Issue 14: search connections keep named prepared statements and statement_timeout from the start, which a
  // transaction pooler cannot carry: with PgBouncer (DATABASE_DIRECT_URL) they connect to PostgreSQL directly.
  const search = openSearchDb({ kind: ctx.database.kind, db: ctx.db, databaseUrl: ctx.config.databaseDirectUrl ?? ctx.config.databaseUrl, poolSize: searchPoolSize(ctx.config.databasePoolSize), acquireTimeoutMs: ctx.config.dbAcquireTimeoutMs });
  const cache = new CatalogCache(cacheEntries, ctx.config.catalogCacheTtlMs ?? cacheTtlMs);
  ctx.database.listen(catalogChannel, () => cache.clear()).then(
    () => {
      cache.enabled = true;
    },
    // Without notifications a cache could go stale, so it stays off.
    (err: unknown) => ctx.log.error({ err }, 'catalog cache disabled: cannot listen for changes'),
  );
  // Start step: index products written before search existed (or while it was stale).
  refreshSearchIndex(ctx.db)
    .then(() => fillTrigramCounts(ctx.db))
    .catch((err: unknown) => ctx.log.error({ err }, 'catalog search index refresh failed'));
  return {
    searchLimiter: new SearchLimiter(120, 60_000, searchRateShared(ctx)),
    categories: (locale) => cache.through(`categories:${locale}`, () => loadCategories(ctx.db, locale)),
    listProducts: (q) => {
      const terms = searchTerms(q.keyword);
      if (terms.length) {
        const key = JSON.stringify(['search', q.locale, q.categorySlug ?? '', terms, q.page ?? 1, q.perPage]);
        return cache.through(key, () => loadSearch(search, ctx.db, { ...q, keyword: terms.join(' ') }));
      }
      const key = JSON.stringify(['list', q.locale, q.categorySlug ?? '', q.cursor ?? null, q.cursor ? 0 : (q.page ?? 1), q.perPage]);
      return cache.through(key, () => loadListing(ctx.db, q, (count) => cache.through(JSON.stringify(['count', q.categorySlug ?? '']), count)));
    },
    product: (slug, locale) => cache.through(JSON.stringify(['product', slug, locale]), () => loadProduct(ctx.db, slug, locale)),
    variantsForSale: (ids, locale, trx) => variantsForSale(trx ?? ctx.db, ids, locale),
    variantForCart: (id, locale) => cache.through(`variant:${id}:${locale}`, async () => (await variantsForSale(ctx.db, [id], locale)).get(id)),
    reserveStock,
    checkStock,
    releaseStock,
    close: () => search.close(),
    async write(fn) {
      const result = await ctx.db.transaction().execute(async (trx) => {
        const out = await fn(trx);
        // Search text follows every name, variant and category change in the same transaction.
        await refreshSearchIndex(trx);
        await notify(trx, catalogChannel);
        return out;
      });
      cache.clear();
      return result;
    },
  };
}
