import type { AppContext } from '../platform/context.ts';
import type { Db } from '../platform/db/database.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { releaseStock, reserveStock } from './stock.ts';
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
}

export interface StockLine {
  variantId: number;
  quantity: number;
}

export interface ProductListQuery {
  locale: Locale;
  categorySlug?: string;
  keyword?: string;
  page: number;
  perPage: number;
}

export interface CatalogService {
  categories(locale: Locale): Promise<Array<{ slug: string; name: string }>>;
  listProducts(query: ProductListQuery): Promise<{ items: ProductSummary[]; total: number; page: number; pages: number }>;
  product(slug: string, locale: Locale): Promise<ProductDetail | null>;
  variantsForSale(variantIds: number[], locale: Locale): Promise<Map<number, VariantForSale>>;
  /** Takes stock atomically inside the caller's transaction; throws AppError('sold_out') if any line cannot be met. */
  reserveStock(trx: Db, lines: StockLine[]): Promise<void>;
  /** Gives stock back (order cancelled). */
  releaseStock(trx: Db, lines: StockLine[]): Promise<void>;
}

// STUB until the catalog domain lands: an empty catalog.
export function createCatalog(_ctx: AppContext): CatalogService {
  return {
    categories: async () => [],
    listProducts: async (q) => ({ items: [], total: 0, page: q.page, pages: 0 }),
    product: async () => null,
    variantsForSale: (ids, locale) => variantsForSale(_ctx.db, ids, locale),
    reserveStock,
    releaseStock,
  };
}
