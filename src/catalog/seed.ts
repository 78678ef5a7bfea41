import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import { coffeeProducts } from './seed-coffee.ts';
import { goodsProducts } from './seed-goods.ts';

const categories = [
  { slug: 'coffee-beans', name_ja: 'コーヒー豆', name_en: 'Coffee beans' },
  { slug: 'drip-bags', name_ja: 'ドリップバッグ', name_en: 'Drip bags' },
  { slug: 'tea', name_ja: 'お茶', name_en: 'Tea' },
  { slug: 'sweets', name_ja: '焼き菓子・スイーツ', name_en: 'Sweets' },
  { slug: 'mugs', name_ja: 'マグカップ', name_en: 'Mugs' },
  { slug: 'drippers-tools', name_ja: 'ドリッパー・器具', name_en: 'Drippers & tools' },
  { slug: 'gifts', name_ja: 'ギフト', name_en: 'Gift sets' },
];

/** Loads the demo coffee-shop catalog into an empty store. Returns the number of products created. */
export async function seedDemoCatalog(db: Db): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // Serialize concurrent first starts of several instances on one database.
    await sql`lock table product in exclusive mode`.execute(trx);
    const existing = await trx.selectFrom('product').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    if (existing.n > 0) return 0;
    const categoryIds = new Map<string, number>();
    for (const [position, c] of categories.entries()) {
      const row = await trx
        .insertInto('category')
        .values({ ...c, position })
        .onConflict((oc) => oc.column('slug').doUpdateSet({ name_ja: c.name_ja }))
        .returning('id')
        .executeTakeFirstOrThrow();
      categoryIds.set(c.slug, row.id);
    }
    // The two test-* products (bought by the browser tests through their URLs) are kept out of listings and search.
    const products = [...coffeeProducts, ...goodsProducts];
    for (const [position, p] of products.entries()) {
      const { id } = await trx
        .insertInto('product')
        .values({ slug: p.slug, category_id: categoryIds.get(p.category) ?? null, name_ja: p.ja, name_en: p.en, description_ja: p.dja, description_en: p.den, tax_class: p.tax, published: true, listed: !p.slug.startsWith('test-'), position: p.slug.startsWith('test-') ? 100_000 + position : position * 10 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('variant')
        .values(p.variants.map((v, i) => ({ product_id: id, sku: v.sku, name_ja: v.ja, name_en: v.en, price: v.price, stock: v.stock, jan_code: v.jan ?? null, position: i })))
        .execute();
    }
    return products.length;
  });
}
