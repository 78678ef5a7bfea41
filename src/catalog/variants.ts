import type { Db } from '../platform/db/database.ts';
import type { Locale } from '../platform/i18n/index.ts';
import type { VariantForSale } from './service.ts';

/** Looks up variants for cart and checkout, in the shopper's language, with current price and stock. */
export async function variantsForSale(db: Db, variantIds: number[], locale: Locale): Promise<Map<number, VariantForSale>> {
  const ids = [...new Set(variantIds)].filter((id) => Number.isInteger(id) && id > 0);
  if (!ids.length) return new Map();
  const rows = await db
    .selectFrom('variant as v')
    .innerJoin('product as p', 'p.id', 'v.product_id')
    .select(['v.id', 'v.product_id', 'p.slug', 'p.name_ja', 'p.name_en', 'v.name_ja as v_name_ja', 'v.name_en as v_name_en', 'v.sku', 'v.price', 'p.tax_class', 'v.stock', 'p.published', 'p.shipping_size'])
    .where('v.id', 'in', ids)
    .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      {
        variantId: r.id,
        productId: r.product_id,
        productSlug: r.slug,
        productName: locale === 'en' ? r.name_en : r.name_ja,
        variantName: locale === 'en' ? r.v_name_en : r.v_name_ja,
        sku: r.sku,
        price: r.price,
        taxClass: r.tax_class,
        stock: r.stock,
        published: r.published,
        shippingSize: r.shipping_size,
      },
    ]),
  );
}
