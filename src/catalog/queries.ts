import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { imageUrl, mediaUrl } from './images.ts';
import type { ProductDetail } from './service.ts';
import { stockState } from './stock-state.ts';

/** Escapes LIKE wildcards so a shopper's "100%" or "_" matches literally. */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The console's product filter: at most 5 terms, full-width letters and digits normalised (shop search: search-normalize.ts). */
export function searchTerms(keyword: string | undefined): string[] {
  if (!keyword) return [];
  return keyword.normalize('NFKC').trim().split(/\s+/).filter(Boolean).slice(0, 5).map((t) => t.slice(0, 50));
}

export async function loadCategories(db: Db, locale: Locale) {
  const rows = await db.selectFrom('category').select(['slug', 'name_ja', 'name_en']).orderBy('position').orderBy('id').execute();
  return rows.map((r) => ({ slug: r.slug, name: locale === 'en' ? r.name_en : r.name_ja }));
}

type ProductRow = {
  id: number;
  slug: string;
  name_ja: string;
  name_en: string;
  description_ja: string;
  description_en: string;
  tax_class: ProductDetail['taxClass'];
  category_slug: string | null;
  category_ja: string | null;
  category_en: string | null;
  variants: Array<[number, string, string, string, number, number]> | string;
  images: Array<[string, string, string]> | string;
};

export async function loadProduct(db: Db, slug: string, locale: Locale): Promise<ProductDetail | null> {
  const en = locale === 'en';
  // One statement (one round trip): the product with its variants and images as JSON arrays.
  const { rows } = await sql<ProductRow>`
    select p.id, p.slug, p.name_ja, p.name_en, p.description_ja, p.description_en, p.tax_class,
      c.slug as category_slug, c.name_ja as category_ja, c.name_en as category_en,
      coalesce((select json_agg(json_build_array(v.id, v.sku, v.name_ja, v.name_en, v.price, v.stock) order by v.position, v.id) from variant v where v.product_id = p.id), '[]') as variants,
      coalesce((select json_agg(json_build_array(i.file_name, i.alt_ja, i.alt_en) order by i.position, i.id) from product_image i where i.product_id = p.id), '[]') as images
    from product p left join category c on c.id = p.category_id
    where p.slug = ${slug} and p.published = true`.execute(db);
  const p = rows[0];
  if (!p) return null;
  const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
  const variants = json(p.variants).map(([id, sku, name_ja, name_en, price, stock]) => ({ id, sku, name_ja, name_en, price: Number(price), stock: Number(stock) }));
  const images = json(p.images).map(([file_name, alt_ja, alt_en]) => ({ file_name, alt_ja, alt_en }));
  if (!variants.length) return null;
  const name = en ? p.name_en : p.name_ja;
  const prices = variants.map((v) => v.price);
  return {
    id: p.id,
    slug: p.slug,
    name,
    description: en ? p.description_en : p.description_ja,
    priceFrom: Math.min(...prices),
    priceTo: Math.max(...prices),
    taxClass: p.tax_class,
    stockState: stockState(Math.max(...variants.map((v) => v.stock))),
    imageUrl: imageUrl(images[0]?.file_name, p.category_slug),
    category: p.category_slug ? { slug: p.category_slug, name: (en ? p.category_en : p.category_ja) ?? '' } : null,
    variants: variants.map((v) => ({ id: v.id, sku: v.sku, name: en ? v.name_en : v.name_ja, price: v.price, stock: v.stock, stockState: stockState(v.stock) })),
    images: images.map((i) => ({ url: mediaUrl(i.file_name), alt: (en ? i.alt_en : i.alt_ja) || name })),
  };
}
